import { Injectable } from '@nestjs/common';
import { randomOpaqueToken } from '../../../common/crypto/secrets';
import { redirectUrlsOf } from '../connections/sso-connection-fields';
import type { SsoConnection } from '../connections/sso-connection.entity';
import { AUTHN_REQUEST_TTL_MS } from './pending-authn-requests';
import { SamlStateStore } from './saml-state-store';

/** A RelayState Tessera made: a reference to where the sign-in goes on, kept server-side. */
const TOKEN = /^rs_[A-Za-z0-9_-]{43}$/;
const MAX_TARGET_CHARS = 8192;
const BASE = 'http://relay-state.invalid';

/**
 * Where the browser goes after an SSO sign-in. An SP-initiated login keeps its target (an
 * authorization request's 8 KB return_to does not fit SAML's 80-byte RelayState) in the shared
 * SAML state and sends the IdP a reference to it; an IdP-initiated one may name a target
 * itself. Either way the target is used only when it is a path of this server's OAuth pages or
 * console, or one of the connection's registered redirect URLs, exactly: never an open redirect.
 */
@Injectable()
export class RelayStates {
  constructor(private readonly store: SamlStateStore) {}

  /** The RelayState to send with an AuthnRequest for `target` (undefined: none). */
  async remember(connection: SsoConnection, target: string | null): Promise<string | undefined> {
    const safe = target === null ? null : safeTarget(connection, target);
    if (safe === null) return undefined;
    const token = `rs_${randomOpaqueToken(32)}`;
    await this.store.setOnce(
      this.key(connection, token),
      safe,
      AUTHN_REQUEST_TTL_MS,
      connection.id,
    );
    return token;
  }

  /** The safe target a RelayState stands for, or null (then the "signed in" page). */
  async targetOf(connection: SsoConnection, relayState: unknown): Promise<string | null> {
    if (typeof relayState !== 'string' || relayState === '') return null;
    if (TOKEN.test(relayState)) {
      const target = await this.store.take(this.key(connection, relayState));
      return target === null ? null : safeTarget(connection, target);
    }
    return safeTarget(connection, relayState);
  }

  private key(connection: SsoConnection, token: string): string {
    return `tessera:saml:relay:${connection.id}:${token}`;
  }
}

/** Where on this server a sign-in may go on: the OAuth pages (an authorization) and the console. */
const ALLOWED_PATHS = /^\/(?:oauth\/|console(?:[/?]|$))/;

/**
 * `value` as a path of this server's OAuth pages or console, normalised as a browser would
 * resolve it (`/a/../console` is `/console`), or exactly one of the connection's registered URLs;
 * else null. Checked before and after normalising: `/..//evil.example` resolves to the
 * scheme-relative `//evil.example`. Refused: other absolute URLs, `//host`, backslashes
 * (`/\host`), control characters (the URL parser drops some, turning `/\t/host` into `//host`).
 */
export function safeTarget(connection: SsoConnection | null, value: string): string | null {
  if (value.length > MAX_TARGET_CHARS) return null;
  if (connection && redirectUrlsOf(connection).includes(value)) return value;
  if (!isPlainPath(value)) return null;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  const target = url.pathname + url.search;
  return isPlainPath(target) && ALLOWED_PATHS.test(target) ? target : null;
}

/** A path from the root: not scheme-relative, no backslash or control character. */
function isPlainPath(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  return value.startsWith('/') && !value.startsWith('//') && !/[\\\u0000-\u001f\u007f]/.test(value);
}
