import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomOpaqueToken, sha256Hex } from '../../../common/crypto/secrets';
import { uuidv7 } from '../../../common/ids';
import { originOf } from '../../../common/http/request-origin';
import { EnvironmentVariables } from '../../../config/env.schema';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import { SessionsService } from '../../auth/sessions/sessions.service';
import type { User } from '../../users/user.entity';
import { PageCookies } from '../pages/page-cookies';
import { BrowserSessionsRepository } from './browser-sessions.repository';

/** The browser session cookie's name (`__Host-tessera_session` over https, page-cookies.ts). */
export const SESSION_COOKIE = 'tessera_session';
/** 256 random bits, base64url: what a genuine cookie holds; anything else is not looked up. */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** last_seen_at is written at most this often per browser session, not on every page. */
const TOUCH_INTERVAL_MS = 5 * 60_000;

/** Who the browser is signed in as: what /oauth/authorize and the consent page need. */
export interface CurrentBrowserSession {
  userId: string;
  /** The login session under it (`sessions`): its revocation ends the browser session. */
  sessionId: string;
  /** When the user proved who they are (OIDC `auth_time`). */
  authTime: Date;
  /** Methods passed (RFC 8176): `['pwd']`, `['pwd', 'otp']`. */
  amr: string[];
}

/**
 * The hosted login page's sign-in, kept by the browser: an HttpOnly cookie holding an opaque
 * token, whose SHA-256 alone is stored (browser_sessions), over a login session of the user's.
 * That login session carries its revocation: logout-all, DELETE /v1/auth/sessions/:id, a
 * password change or turning MFA on end the browser session at its next request.
 *
 * current() costs two indexed reads (the row, the login session): /oauth/authorize and the
 * pages use it, never an API hot path, so nothing is cached and a revocation applies at once.
 */
@Injectable()
export class BrowserSessions {
  private readonly lifetimeMs: number;

  constructor(
    private readonly rows: BrowserSessionsRepository,
    private readonly sessions: SessionsService,
    private readonly cookies: PageCookies,
    private readonly audit: AuditRecorder,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.lifetimeMs = config.get('BROWSER_SESSION_TTL_HOURS', { infer: true }) * 3_600_000;
  }

  /**
   * Signs the browser in as `user`, who passed `amr`: a login session (audited as a login), the
   * row, and the cookie, which lasts as long as both. A session the browser held before (another
   * account's, "Not you?", or the same one signing in again) ends: its cookie is replaced, and
   * a copy of it must not stay signed in.
   */
  async start(
    request: FastifyRequest,
    reply: FastifyReply,
    user: Pick<User, 'id' | 'email'> & Partial<Pick<User, 'passwordHash' | 'mfaEnabledAt'>>,
    amr: string[],
  ): Promise<CurrentBrowserSession> {
    await this.endHeld(request, { via: 'browser_sign_in' });
    const session = await this.sessions.signIn(user, amr, originOf(request), this.lifetimeMs);
    const token = randomOpaqueToken(TOKEN_BYTES);
    await this.rows.insert({
      id: uuidv7(),
      tokenHash: sha256Hex(token),
      userId: user.id,
      sessionId: session.id,
      authTime: session.createdAt,
      amr: amr.join(' '),
      createdAt: session.createdAt,
      expiresAt: session.expiresAt,
      lastSeenAt: session.createdAt,
    });
    const lifetimeMs = session.expiresAt.getTime() - session.createdAt.getTime();
    const maxAgeSeconds = Math.floor(lifetimeMs / 1000);
    this.cookies.set(request, reply, SESSION_COOKIE, token, { maxAgeSeconds });
    return { userId: user.id, sessionId: session.id, authTime: session.createdAt, amr };
  }

  /**
   * Who the request's browser is signed in as; null without a cookie, or when its session
   * expired, was ended or never existed.
   */
  async current(request: FastifyRequest): Promise<CurrentBrowserSession | null> {
    const token = this.cookies.read(request, SESSION_COOKIE);
    if (token === undefined || !TOKEN_SHAPE.test(token)) return null;
    const row = await this.rows.findByTokenHash(sha256Hex(token));
    const now = new Date();
    if (!row || row.expiresAt <= now) return null;
    if (!(await this.sessions.findLive(row.userId, row.sessionId))) return null;
    if (now.getTime() - row.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
      await this.rows.touch(row.id, now);
    }
    return {
      userId: row.userId,
      sessionId: row.sessionId,
      authTime: row.authTime,
      amr: row.amr.split(' '),
    };
  }

  /**
   * Signs the browser out (GET /oauth/logout): the cookie is cleared whatever it held; a genuine
   * one's login session is revoked (on every instance) and its row deleted. `clientId`: the
   * application that asked (RP-initiated logout), for the audit event.
   */
  async end(
    request: FastifyRequest,
    reply: FastifyReply,
    detail: { clientId?: string } = {},
  ): Promise<void> {
    this.cookies.clear(request, reply, SESSION_COOKIE);
    await this.endHeld(request, { via: 'browser', clientId: detail.clientId });
  }

  /** Revokes the login session of the request's cookie, if genuine, and deletes its row. */
  private async endHeld(
    request: FastifyRequest,
    detail: { via: 'browser' | 'browser_sign_in'; clientId?: string },
  ): Promise<void> {
    const token = this.cookies.read(request, SESSION_COOKIE);
    if (token === undefined || !TOKEN_SHAPE.test(token)) return;
    const row = await this.rows.findByTokenHash(sha256Hex(token));
    if (!row) return;
    const session = await this.sessions.findLive(row.userId, row.sessionId);
    await this.sessions.revoke(row.sessionId, 'logout');
    await this.rows.delete(row.id);
    if (session) {
      this.audit.record(AUDIT_ACTIONS.sessionLoggedOut, {
        organizationId: session.organizationId,
        actor: { type: 'user', id: row.userId },
        origin: originOf(request),
        target: { type: 'session', id: row.sessionId },
        metadata: { via: detail.via, client_id: detail.clientId ?? null },
      });
    }
  }
}
