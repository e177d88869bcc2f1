import type { UserPrincipal } from '../../common/auth/principal';
import type { Role } from '../organizations/roles';

interface KeptAnswer {
  organizationId: string;
  role: Role;
  body: string;
}

/**
 * The verify route's answers to a user's own access token, kept against the token's cached
 * verification (`UserPrincipal.verified`) instead of serialized on every request, as an API
 * key's are (CachedCredential.answer). The answer is a function of the token's claims and of the
 * organization and role it acts with; the claims never change, so a kept answer holds while the
 * principal acts in the same organization with the same role, and is made again when either
 * differs (X-Organization-ID, a role changed). A WeakMap: an answer goes with its token's entry.
 */
export class UserAnswers {
  private readonly kept = new WeakMap<object, KeptAnswer>();

  answer(principal: UserPrincipal, make: () => string): string {
    const verified = principal.verified!;
    const kept = this.kept.get(verified);
    if (kept && kept.organizationId === principal.organizationId && kept.role === principal.role) {
      return kept.body;
    }
    const body = make();
    this.kept.set(verified, {
      organizationId: principal.organizationId,
      role: principal.role,
      body,
    });
    return body;
  }
}
