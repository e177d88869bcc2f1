import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { transactionAlone } from '../../database/transactions';
import { Principal, unhandledPrincipal } from '../../common/auth/principal';
import { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import { ConflictError, ForbiddenError, UnauthorizedError } from '../../common/errors/api-errors';
import { uuidv7 } from '../../common/ids';
import type { RequestOrigin } from '../../common/http/request-origin';
import { AUDIT_ACTIONS, AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { MembershipRolesCache } from '../organizations/membership-roles.cache';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { personalOrganizationName } from '../organizations/personal-organization-name';
import { AccessTokensService } from '../tokens/access-tokens.service';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../users/passwords';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import {
  LoginDto,
  RegisterDto,
  RegisterResponseDto,
  TokenResponseDto,
  VerifyResponseDto,
} from './dto/auth.dto';
import { ChangePasswordDto } from './dto/password.dto';
import { LoginThrottle } from './login-throttle';
import { MfaService } from './mfa/mfa.service';
import { Reauthentication } from './reauthentication';
import { Session } from './sessions/session.entity';
import { SessionsService } from './sessions/sessions.service';
import { requireUserCaller, UserCaller } from './user-caller';

const INVALID_LOGIN = 'Invalid email or password';

@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly roles: MembershipRolesCache,
    private readonly sessions: SessionsService,
    private readonly accessTokens: AccessTokensService,
    private readonly scopes: ScopeCatalogue,
    private readonly throttle: LoginThrottle,
    private readonly mfa: MfaService,
    private readonly reauthentication: Reauthentication,
    private readonly audit: AuditService,
  ) {}

  /** A user and their personal organization (owner), in one transaction. */
  async register(dto: RegisterDto, origin: RequestOrigin): Promise<RegisterResponseDto> {
    const email = dto.email.toLowerCase();
    if (await this.users.findByEmail(email)) {
      throw new ConflictError('An account with this email already exists', 'email_taken');
    }
    const user: User = {
      id: uuidv7(),
      email,
      fullName: dto.full_name,
      passwordHash: await hashPassword(dto.password),
      totpSecretEncrypted: null,
      mfaEnabledAt: null,
      totpLastStep: null,
      createdAt: new Date(),
    };
    try {
      const organization = await transactionAlone(this.dataSource.manager, async (manager) => {
        await this.users.insert(user, manager);
        return this.organizations.createWithOwner(
          { name: personalOrganizationName(dto.full_name), personal: true },
          user.id,
          manager,
        );
      });
      this.audit.record(AUDIT_ACTIONS.userRegistered, {
        organizationId: organization.id,
        actor: { type: 'user', id: user.id },
        origin,
        target: { type: 'user', id: user.id },
        metadata: { email },
      });
      return { user_id: user.id, email, organization_id: organization.id };
    } catch (error) {
      // Two registrations racing for one email: the unique index decides.
      if (await this.users.findByEmail(email)) {
        throw new ConflictError('An account with this email already exists', 'email_taken');
      }
      throw error;
    }
  }

  async login(dto: LoginDto, origin: RequestOrigin): Promise<TokenResponseDto> {
    const ip = origin.ip;
    try {
      this.throttle.assertAllowed(dto.email, ip);
    } catch (error) {
      this.audit.recordSampled(
        `login-throttled:${dto.email.toLowerCase()}`,
        AUDIT_ACTIONS.loginFailed,
        {
          organizationId: null,
          origin,
          outcome: 'denied',
          metadata: { email: dto.email.toLowerCase(), reason: 'too_many_failures' },
        },
      );
      throw error;
    }
    const user = await this.users.findByEmail(dto.email);
    const passwordOk = user ? await verifyPassword(user.passwordHash, dto.password) : false;
    if (!user) await burnPasswordCheck(dto.password);
    if (!user || !passwordOk) {
      await this.throttle.recordFailure(dto.email, ip);
      await this.recordLoginFailure(
        dto.email,
        user,
        user ? 'wrong_password' : 'unknown_email',
        origin,
      );
      throw new UnauthorizedError(INVALID_LOGIN, 'invalid_credentials');
    }

    const amr = ['pwd'];
    if (user.mfaEnabledAt) {
      if (!dto.mfa_code) throw new UnauthorizedError('MFA code required', 'mfa_required');
      if (!(await this.mfa.acceptTotp(user, dto.mfa_code))) {
        await this.throttle.recordFailure(dto.email, ip);
        await this.recordLoginFailure(
          dto.email,
          user,
          'invalid_mfa_code',
          origin,
          AUDIT_ACTIONS.mfaFailed,
        );
        throw new UnauthorizedError('Invalid MFA code', 'invalid_mfa_code');
      }
      amr.push('otp');
    }
    this.throttle.recordSuccess(dto.email);

    const membership = await this.organizations.firstOrganizationOf(user.id);
    if (!membership) throw new ForbiddenError('This user belongs to no organization');
    const { session, refreshToken } = await this.sessions.start(
      user.id,
      membership.organizationId,
      amr,
      origin,
    );
    this.audit.record(AUDIT_ACTIONS.loginSucceeded, {
      organizationId: membership.organizationId,
      actor: { type: 'user', id: user.id },
      origin,
      target: { type: 'session', id: session.id },
      metadata: { email: user.email, amr },
    });
    return this.tokenResponse(session, refreshToken);
  }

  /** A failed login is recorded in the user's default organization, or at instance level. */
  private async recordLoginFailure(
    email: string,
    user: User | null,
    reason: string,
    origin: RequestOrigin,
    action: AuditAction = AUDIT_ACTIONS.loginFailed,
  ): Promise<void> {
    const membership = user ? await this.organizations.firstOrganizationOf(user.id) : null;
    this.audit.record(action, {
      organizationId: membership?.organizationId ?? null,
      actor: { type: user ? 'user' : 'anonymous', id: user?.id ?? null },
      origin,
      target: { type: 'user', id: user?.id ?? null },
      outcome: 'failure',
      metadata: { email: email.toLowerCase(), reason },
    });
  }

  async refresh(presented: string, origin: RequestOrigin): Promise<TokenResponseDto> {
    const { session, refreshToken } = await this.sessions.rotate(presented, origin);
    return this.tokenResponse(session, refreshToken);
  }

  /** Ends the session of the presented token: its refresh tokens and the access token stop. */
  async logout(principal: Principal): Promise<void> {
    const caller = requireUserCaller(principal);
    await this.sessions.revoke(caller.sessionId, 'logout');
    await this.sessions.denylistAccessToken(caller.tokenId, caller.expiresAt!);
    this.audit.record(AUDIT_ACTIONS.sessionLoggedOut, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'session', id: caller.sessionId },
    });
  }

  /**
   * A new password (registration's rules), after a re-authentication. Every other session ends:
   * whoever knew the old password may be signed in with it.
   */
  async changePassword(principal: Principal, dto: ChangePasswordDto): Promise<void> {
    const caller = requireUserCaller(principal);
    const user = await this.currentUser(caller);
    const by = await this.reauthentication.confirm(
      caller,
      user,
      dto.current_password,
      'password_change',
    );
    await this.users.updatePasswordHash(user.id, await hashPassword(dto.new_password));
    const ended = await this.sessions.revokeAllOf(user.id, 'password_changed', caller.sessionId);
    this.audit.record(AUDIT_ACTIONS.passwordChanged, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'user', id: user.id },
      metadata: { reauthenticated_by: by, other_sessions_ended: ended },
    });
  }

  /** Runs on every verify call: one object, no spreads (measured on `npm run bench`). */
  verify(principal: Principal): VerifyResponseDto {
    const answer: VerifyResponseDto = {
      authenticated: true,
      principal_type: principal.type,
      subject: principal.subject,
      organization_id: principal.organizationId,
      scopes: principal.scopes,
      expires_at: principal.expiresAt?.toISOString() ?? null,
    };
    switch (principal.type) {
      case 'user':
        answer.role = principal.role;
        answer.mfa = principal.mfa;
        break;
      case 'api_key':
        answer.environment = principal.environment;
        break;
      case 'instance_admin':
        break;
      default:
        return unhandledPrincipal(principal);
    }
    return answer;
  }

  private async tokenResponse(session: Session, refreshToken: string): Promise<TokenResponseDto> {
    let organizationId = session.organizationId;
    let role = await this.roles.roleOf(session.userId, organizationId);
    if (!role) {
      // Removed from the session's organization since login: fall back to another one.
      const membership = await this.organizations.firstOrganizationOf(session.userId);
      if (!membership) throw new UnauthorizedError('This user belongs to no organization');
      organizationId = membership.organizationId;
      role = membership.role;
    }
    const access = await this.accessTokens.issue({
      subject: session.userId,
      organizationId,
      sessionId: session.id,
      scopes: this.scopes.scopesOfRole(role),
      amr: session.amr.split(' '),
    });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
    };
  }

  private async currentUser(caller: UserCaller): Promise<User> {
    const user = await this.users.findById(caller.subject);
    if (!user) throw new UnauthorizedError();
    return user;
  }
}
