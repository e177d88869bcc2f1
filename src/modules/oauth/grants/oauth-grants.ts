import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal';
import { CacheInvalidationBus } from '../../../common/cluster/cache-invalidation.bus';
import { NotFoundError } from '../../../common/errors/api-errors';
import { DEFAULT_PAGE_SIZE, ListPage, ListQueryDto, toPage } from '../../../common/http/pagination';
import { isCanonicalUuid, uuidv7 } from '../../../common/ids';
import { BackgroundJobs } from '../../../common/jobs/background-jobs';
import { Clock } from '../../../common/time/clock';
import { isUniqueViolation } from '../../../database/errors';
import { SessionsService } from '../../auth/sessions/sessions.service';
import { requireUserCaller } from '../../auth/user-caller';
import { GrantEndedBy, GrantEndReason, OAuthAuditTrail } from '../oauth-audit-trail';
import { scopeList, storedScopes } from '../oauth-scopes';
import type { OAuthGrant } from '../storage/oauth-grant.entity';
import { OAuthGrantDto } from './dto/oauth-grant.dto';
import { OAuthGrantsRepository, OAuthGrantWithClient } from './oauth-grants.repository';

export interface Consent {
  clientId: string;
  userId: string;
  organizationId: string;
  /** What the user agreed to now (checked against the client and the catalogue by the caller). */
  scopes: readonly string[];
}

const PRUNE_INTERVAL_MS = 3_600_000;
/** A used code stays a day past its expiry: presented again meanwhile, it still ends its grant. */
const USED_CODE_KEPT_MS = 86_400_000;

/**
 * Users' grants: the consent of one user to one client acting in one organization, and the
 * family of codes, refresh tokens and access tokens issued under it. Ending a grant ends all of
 * them: its codes and refresh tokens are deleted with it, and its access tokens (which carry its
 * id, `gid`) are refused on every instance before the request that ended it answers.
 */
@Injectable()
export class OAuthGrants implements OnModuleInit {
  constructor(
    private readonly grants: OAuthGrantsRepository,
    private readonly bus: CacheInvalidationBus,
    private readonly audit: OAuthAuditTrail,
    private readonly sessions: SessionsService,
    private readonly jobs: BackgroundJobs,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.jobs.every(PRUNE_INTERVAL_MS, 'OAuth code and token pruning failed', () => this.prune(), {
      runSoonAfterStart: true,
      longQueries: true,
    });
  }

  /**
   * The user's grant to the client in the organization, made on first consent; a later consent
   * to more scopes widens it (never narrows: what was agreed before still stands).
   */
  async consent(consent: Consent): Promise<OAuthGrant> {
    const existing = await this.grants.findGrantFor(
      consent.clientId,
      consent.userId,
      consent.organizationId,
    );
    if (existing) return this.widen(existing, consent.scopes);
    const grant: OAuthGrant = {
      id: uuidv7(),
      clientId: consent.clientId,
      userId: consent.userId,
      organizationId: consent.organizationId,
      scopes: storedScopes(consent.scopes),
      createdAt: new Date(this.clock.now()),
      lastUsedAt: null,
    };
    try {
      await this.grants.insertGrant(grant);
      return grant;
    } catch (error) {
      // Two consents at once (two tabs): the other made the row; this one widens it.
      if (!isUniqueViolation(error)) throw error;
      const made = await this.grants.findGrantFor(
        consent.clientId,
        consent.userId,
        consent.organizationId,
      );
      if (!made) throw error;
      return this.widen(made, consent.scopes);
    }
  }

  /** The user's grants to the client, one per organization: the consents /oauth/authorize remembers. */
  grantsToClient(clientId: string, userId: string): Promise<OAuthGrant[]> {
    return this.grants.findGrantsOfUserToClient(clientId, userId);
  }

  /** The grant as the database has it now (the token grants check it has not ended). */
  find(grantId: string): Promise<OAuthGrant | null> {
    return this.grants.findGrant(grantId);
  }

  /** The applications the calling user consented to, in every organization. */
  async listOf(principal: Principal, query: ListQueryDto): Promise<ListPage<OAuthGrantDto>> {
    const caller = requireUserCaller(principal);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.grants.listGrantsOfUser(caller.subject, limit, query.starting_after);
    return toPage(rows, limit, toOAuthGrantDto);
  }

  /** The calling user ends one of their grants; another user's is a 404, like a made-up id. */
  async endOwn(principal: Principal, grantId: string): Promise<void> {
    const caller = requireUserCaller(principal);
    const grant = isCanonicalUuid(grantId)
      ? await this.grants.findGrantOfUser(caller.subject, grantId)
      : null;
    if (!grant) throw new NotFoundError('Grant not found');
    await this.end(grant, 'revoked_by_user', { principal: caller });
  }

  /**
   * Ends the grant: its codes and refresh tokens are deleted with the row, its access tokens are
   * refused on every instance once this returns (the bus waits for each to confirm), and so are
   * the sessions a first-party client (the console) got from it.
   */
  async end(grant: OAuthGrant, reason: GrantEndReason, by: GrantEndedBy): Promise<void> {
    const ended = await this.grants.deleteGrant(grant.id);
    await this.bus.publish({ kind: 'oauth_grant', id: grant.id });
    await this.sessions.revokeAllOfGrant(grant.id, 'oauth_grant_ended');
    if (ended) this.audit.grantEnded(grant, reason, by);
  }

  /** When the grant was last used: written on a code exchange or a refresh, never per request. */
  async touch(grantId: string): Promise<void> {
    await this.grants.touchGrant(grantId, new Date(this.clock.now()));
  }

  prune(now = new Date(this.clock.now())): Promise<number> {
    return this.grants.pruneExpired(new Date(now.getTime() - USED_CODE_KEPT_MS), now);
  }

  private async widen(grant: OAuthGrant, scopes: readonly string[]): Promise<OAuthGrant> {
    const widened = storedScopes([...scopeList(grant.scopes), ...scopes]);
    if (widened === grant.scopes) return grant;
    await this.grants.updateGrantScopes(grant.id, widened);
    return { ...grant, scopes: widened };
  }
}

function toOAuthGrantDto({ grant, clientName }: OAuthGrantWithClient): OAuthGrantDto {
  return {
    id: grant.id,
    client_id: grant.clientId,
    client_name: clientName,
    organization_id: grant.organizationId,
    scopes: scopeList(grant.scopes),
    created: grant.createdAt.toISOString(),
    last_used: grant.lastUsedAt?.toISOString() ?? null,
  };
}
