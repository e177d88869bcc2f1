import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { MasterKeyService } from '../../../../common/crypto/master-key';
import type { CurrentBrowserSession } from '../../browser-sessions/browser-sessions.service';

/** How long the consent page's form may be answered. */
export const PENDING_AUTHORIZATION_TTL_MS = 10 * 60_000;
const VERSION = 'v1';

/** The checked authorization request, as the consent form carries it back. */
export interface PendingAuthorization {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  /** Who saw the page: the browser session's user and login session. */
  userId: string;
  sessionId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

type Sealable = Omit<PendingAuthorization, 'userId' | 'sessionId' | 'expiresAt'>;

/**
 * The authorization request between the consent page and its form's answer, kept by the browser
 * and nothing on the server (any instance takes the answer): `v1.<JSON>.<HMAC-SHA256>` under a
 * key derived from the master key, good for ten minutes, for the browser session that saw the
 * page. Nothing in it is secret (the browser sent all of it in the authorization request); the
 * HMAC makes every field as trustworthy as when it was checked, so the answer cannot change the
 * client, redirect URI, scopes or PKCE challenge, nor be replayed by another user or session.
 */
@Injectable()
export class PendingAuthorizations {
  private readonly key: Buffer;

  constructor(masterKey: MasterKeyService) {
    this.key = masterKey.derive('oauth-authorization-request');
  }

  seal(request: Sealable, session: CurrentBrowserSession, now = Date.now()): string {
    const pending: PendingAuthorization = {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      state: request.state,
      nonce: request.nonce,
      codeChallenge: request.codeChallenge,
      userId: session.userId,
      sessionId: session.sessionId,
      expiresAt: now + PENDING_AUTHORIZATION_TTL_MS,
    };
    const payload = `${VERSION}.${Buffer.from(JSON.stringify(pending)).toString('base64url')}`;
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  /** The request, if `sealed` is genuine, unexpired, and was sealed for this browser session. */
  open(
    sealed: string | undefined,
    session: CurrentBrowserSession,
    now = Date.now(),
  ): PendingAuthorization | null {
    const [version, body, mac, ...rest] = (sealed ?? '').split('.');
    if (version !== VERSION || !body || !mac || rest.length > 0) return null;
    const presented = Buffer.from(mac, 'base64url');
    const expected = this.mac(`${version}.${body}`);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
    const pending = JSON.parse(
      Buffer.from(body, 'base64url').toString('utf8'),
    ) as PendingAuthorization;
    if (!(pending.expiresAt > now)) return null;
    if (pending.userId !== session.userId || pending.sessionId !== session.sessionId) return null;
    return pending;
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }
}
