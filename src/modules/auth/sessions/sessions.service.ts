import { Injectable, OnModuleInit } from '@nestjs/common';
import { BackgroundJobs } from '../../../common/jobs/background-jobs';
import { ConfigService } from '@nestjs/config';
import { randomOpaqueToken, sha256Hex } from '../../../common/crypto/secrets';
import { ForbiddenError, UnauthorizedError } from '../../../common/errors/api-errors';
import { uuidv7 } from '../../../common/ids';
import { Clock } from '../../../common/time/clock';
import { mayBeRetry } from '../../../database/refresh-token-rotation';
import type { RequestOrigin } from '../../../common/http/request-origin';
import { EnvironmentVariables } from '../../../config/env.schema';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import { OrganizationsService } from '../../organizations/organizations.service';
import type { User } from '../../users/user.entity';
import { UsersService } from '../../users/users.service';
import { AccessTokenCache } from '../access-token.cache';
import type { TokenResponseDto } from '../dto/auth.dto';
import { UserTokenIssuer } from '../user-token.issuer';
import type { RefreshToken } from './refresh-token.entity';
import { Session } from './session.entity';
import { SessionsRepository } from './sessions.repository';

const REFRESH_TOKEN_PREFIX = 'rt_';
/** The widths of the `ip` and `user_agent` columns. */
const IP_MAX_LENGTH = 45;
const USER_AGENT_MAX_LENGTH = 300;
const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * Login sessions and their refresh tokens. A refresh token is used once: each use returns a new
 * one. Presenting a used token means it was stolen or replayed, so the whole session (every
 * refresh and access token descending from the login) is revoked.
 */
@Injectable()
export class SessionsService implements OnModuleInit {
  private readonly refreshTtlMs: number;
  /** How soon after its use a used refresh token may be presented again as a retry. */
  private readonly retryGraceMs: number;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly accessTokens: AccessTokenCache,
    private readonly audit: AuditRecorder,
    private readonly jobs: BackgroundJobs,
    private readonly organizations: OrganizationsService,
    private readonly tokens: UserTokenIssuer,
    private readonly users: UsersService,
    // Sessions start and refresh on the app's clock, as OAuth's grants do: tests move it.
    private readonly clock: Clock,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.refreshTtlMs = config.get('REFRESH_TOKEN_TTL_DAYS', { infer: true }) * 86_400_000;
    this.retryGraceMs = config.get('REFRESH_TOKEN_RETRY_GRACE_SECONDS', { infer: true }) * 1000;
  }

  onModuleInit(): void {
    this.jobs.every(PRUNE_INTERVAL_MS, 'Session pruning failed', () => this.pruneExpired(), {
      runSoonAfterStart: true,
      longQueries: true,
    });
  }

  /** Removes expired sessions (with their refresh tokens) and expired denylist entries. */
  pruneExpired(now = new Date()): Promise<number> {
    return this.sessions.pruneExpired(now);
  }

  /**
   * A sign-in, whatever proved who the user is (a password, later OAuth or SSO): a session in
   * the user's default organization, audited, and its first tokens. `lifetimeMs`: shorter than
   * the refresh token lifetime for a sign-in that should not outlive the day (the console's).
   * `signedInAt`: when the person proved who they are, if earlier than now (the console's session
   * continues the hosted login page's sign-in): the session's `created`, which is what "a sign-in
   * less than 5 minutes old" reads (Reauthentication), so an old sign-in never passes for a new one.
   */
  async issue(
    user: Pick<User, 'id' | 'email'> & Partial<Pick<User, 'passwordHash' | 'mfaEnabledAt'>>,
    amr: string[],
    origin: RequestOrigin,
    lifetimeMs = this.refreshTtlMs,
    signedInAt?: Date,
    oauthGrantId: string | null = null,
  ): Promise<TokenResponseDto> {
    const session = await this.signIn(user, amr, origin, lifetimeMs, signedInAt, oauthGrantId);
    return this.tokens.tokensFor(session, await this.issueRefreshToken(session));
  }

  /**
   * A sign-in without tokens: the session alone, audited like any login. The hosted login page's
   * browser session stands on one (a cookie, never a bearer token), so ending the session here
   * (logout, logout-all, a password change) ends it too. `lifetimeMs`: the refresh token lifetime
   * unless the caller's own is shorter.
   */
  async signIn(
    user: Pick<User, 'id' | 'email'> & Partial<Pick<User, 'passwordHash' | 'mfaEnabledAt'>>,
    amr: string[],
    origin: RequestOrigin,
    lifetimeMs = this.refreshTtlMs,
    signedInAt?: Date,
    oauthGrantId: string | null = null,
  ): Promise<Session> {
    const membership = await this.organizations.defaultMembershipOf(user.id);
    if (!membership) throw new ForbiddenError('This user belongs to no organization');
    const session = await this.start(
      user.id,
      membership.organizationId,
      amr,
      origin,
      lifetimeMs,
      signedInAt,
      oauthGrantId,
    );
    await this.refuseIfCredentialsChanged(user, session);
    this.audit.record(AUDIT_ACTIONS.loginSucceeded, {
      organizationId: membership.organizationId,
      actor: { type: 'user', id: user.id },
      origin,
      target: { type: 'session', id: session.id },
      metadata: { email: user.email, amr },
    });
    return session;
  }

  /**
   * A sign-in that checked a password (the user row it read: `passwordHash`) and a password
   * change or MFA enrolment that ended the user's other sessions while it ran (argon2 takes tens
   * of milliseconds): the revocation looked before this session was stored, so it ends here.
   * Else a login with the old password, or without the new second factor, would outlive both.
   */
  private async refuseIfCredentialsChanged(
    user: Pick<User, 'id'> & Partial<Pick<User, 'passwordHash' | 'mfaEnabledAt'>>,
    session: Session,
  ): Promise<void> {
    if (user.passwordHash === undefined) return;
    const now = await this.users.findById(user.id);
    if (
      now !== null &&
      now.passwordHash === user.passwordHash &&
      (now.mfaEnabledAt?.getTime() ?? null) === (user.mfaEnabledAt?.getTime() ?? null)
    ) {
      return;
    }
    await this.revoke(session.id, 'credentials_changed');
    throw new UnauthorizedError(
      'The password or second factor changed during this sign-in; sign in again',
      'credentials_changed',
    );
  }

  /** The user's session if it is neither revoked nor expired; null otherwise. */
  findLive(userId: string, sessionId: string): Promise<Session | null> {
    return this.sessions.findLiveSessionOf(userId, sessionId, new Date());
  }

  /**
   * A refresh token's one use: the session's next tokens. Everything that can fail (the role
   * look-up, signing) comes before the use is written, and the use is written with the token that
   * replaces it: a request that fails (a 503 while the database is away) leaves the presented
   * token good for the client's retry. Written first, the use had made that retry a reuse, which
   * ended the session. A client whose answer was lost after the commit retries with the used
   * token: within REFRESH_TOKEN_RETRY_GRACE_SECONDS, while the successor it never received is
   * unused, it gets new tokens in that successor's place (mayBeRetry).
   */
  async refresh(presented: string, origin: RequestOrigin): Promise<TokenResponseDto> {
    const invalid = new UnauthorizedError(
      'Invalid or expired refresh token',
      'invalid_refresh_token',
    );
    if (!presented.startsWith(REFRESH_TOKEN_PREFIX)) throw invalid;
    const stored = await this.sessions.findRefreshTokenByHash(sha256Hex(presented));
    if (!stored) throw invalid;
    const session = await this.sessions.findSession(stored.sessionId);
    const presentedAt = this.clock.now();
    if (!session || session.revokedAt || session.expiresAt.getTime() < presentedAt) throw invalid;
    const retry = stored.usedAt !== null;
    if (retry && !mayBeRetry(stored, presentedAt, this.retryGraceMs)) {
      return this.refuseReuse(session, origin);
    }
    if (stored.expiresAt.getTime() < presentedAt) throw invalid;

    const successor = this.newRefreshToken(session);
    const answer = await this.tokens.tokensFor(session, successor.token);
    const now = new Date(this.clock.now());
    const outcome = await this.sessions.rotateRefreshToken(stored, successor.row, now);
    if (outcome === 'used') return this.refuseReuse(session, origin);
    if (outcome === 'ended') throw invalid;
    this.audit.record(AUDIT_ACTIONS.sessionRefreshed, {
      organizationId: session.organizationId,
      actor: { type: 'user', id: session.userId },
      origin,
      target: { type: 'session', id: session.id },
      ...(retry ? { metadata: { retry: true } } : {}),
    });
    return answer;
  }

  /** A used refresh token again: it was stolen or replayed, so the whole session ends. */
  private async refuseReuse(session: Session, origin: RequestOrigin): Promise<never> {
    await this.revoke(session.id, 'refresh_token_reuse');
    this.audit.record(AUDIT_ACTIONS.sessionReuseDetected, {
      organizationId: session.organizationId,
      actor: { type: 'user', id: session.userId },
      origin,
      target: { type: 'session', id: session.id },
      outcome: 'failure',
      metadata: { reason: 'refresh_token_reused', session_revoked: true },
    });
    throw new UnauthorizedError(
      'Refresh token reuse detected; the session was revoked',
      'refresh_token_reused',
    );
  }

  /** The session remembers where it came from, as GET /v1/auth/sessions shows it. */
  private async start(
    userId: string,
    organizationId: string,
    amr: string[],
    origin: RequestOrigin,
    lifetimeMs: number,
    signedInAt: Date | undefined,
    oauthGrantId: string | null,
  ): Promise<Session> {
    const now = new Date(this.clock.now());
    const session: Session = {
      id: uuidv7(),
      userId,
      organizationId,
      amr: amr.join(' '),
      ip: origin.ip.slice(0, IP_MAX_LENGTH),
      userAgent: origin.userAgent?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
      lastUsedAt: now,
      createdAt: signedInAt && signedInAt < now ? signedInAt : now,
      expiresAt: new Date(now.getTime() + Math.min(lifetimeMs, this.refreshTtlMs)),
      revokedAt: null,
      revokedReason: null,
      oauthGrantId,
    };
    await this.sessions.insertSession(session);
    return session;
  }

  /** Revokes the session: its refresh tokens stop at once, its access tokens on the next request. */
  async revoke(sessionId: string, reason: string): Promise<void> {
    await this.sessions.revokeSession(sessionId, reason);
    await this.accessTokens.forgetSession(sessionId);
  }

  /** Ends the sessions a first-party client's grant made (the grant ended, or its code was reused). */
  async revokeAllOfGrant(oauthGrantId: string, reason: string): Promise<void> {
    for (const id of await this.sessions.liveSessionIdsOfGrant(oauthGrantId)) {
      await this.revoke(id, reason);
    }
  }

  /**
   * Ends every live session of the user but `exceptSessionId` (null: all): their refresh tokens
   * at once, their access tokens on the next request on every instance. Answers how many ended.
   */
  async revokeAllOf(
    userId: string,
    reason: string,
    exceptSessionId: string | null,
  ): Promise<number> {
    const ended = await this.sessions.revokeSessionsOf(userId, reason, exceptSessionId);
    await this.accessTokens.forgetSessionsOfUser(userId, exceptSessionId);
    return ended;
  }

  async denylistAccessToken(jti: string, expiresAt: Date): Promise<void> {
    await this.sessions.denylistAccessToken(jti, expiresAt);
  }

  private async issueRefreshToken(session: Session): Promise<string> {
    const { token, row } = this.newRefreshToken(session);
    await this.sessions.insertRefreshToken(row);
    return token;
  }

  /** A new refresh token of the session, and the row that stores its hash. */
  private newRefreshToken(session: Session): { token: string; row: RefreshToken } {
    const token = REFRESH_TOKEN_PREFIX + randomOpaqueToken(32);
    const row: RefreshToken = {
      id: uuidv7(),
      sessionId: session.id,
      tokenHash: sha256Hex(token),
      createdAt: new Date(this.clock.now()),
      expiresAt: session.expiresAt,
      usedAt: null,
      replacedById: null,
    };
    return { token, row };
  }
}
