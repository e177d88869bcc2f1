import { Injectable } from '@nestjs/common';
import { randomOpaqueToken } from '../../../common/crypto/secrets';
import { SamlStateStore } from './saml-state-store';

/** How long an AuthnRequest waits for its answer: a person signing in at their IdP. */
export const AUTHN_REQUEST_TTL_MS = 10 * 60_000;
/** The longest request ID an answer may name (ours are 44 characters). */
const MAX_ID_CHARS = 256;

/**
 * The AuthnRequests a connection sent and awaits an answer to (InResponseTo), in the shared
 * SAML state so any instance can finish a login another started. Each remembers the browser it
 * was sent from (a hash of its binding cookie, browser-binding.ts). Taken atomically (Redis
 * GETDEL, or a delete in memory) the moment an answer names it, whatever the answer turns out
 * to be: a request is answered once. node-saml's own cache is not used: it reads InResponseTo
 * from the unsigned Response element and forgets a request only on some paths.
 */
@Injectable()
export class PendingAuthnRequests {
  constructor(private readonly store: SamlStateStore) {}

  /** A new request ID (an xsd:ID: it starts with a letter or underscore). */
  newId(): string {
    return `_${randomOpaqueToken(32)}`;
  }

  /** Remembers request `id` of the connection, sent from the browser whose binding hash is given. */
  async open(connectionId: string, id: string, browserHash: string): Promise<void> {
    const key = this.key(connectionId, id);
    if (!(await this.store.setOnce(key, browserHash, AUTHN_REQUEST_TTL_MS, connectionId))) {
      throw new Error('AuthnRequest ID collision');
    }
  }

  /** Takes request `id` (once): the browser hash it was opened for, or null if none is pending. */
  take(connectionId: string, id: string): Promise<string | null> {
    if (id.length > MAX_ID_CHARS) return Promise.resolve(null);
    return this.store.take(this.key(connectionId, id));
  }

  private key(connectionId: string, id: string): string {
    return `tessera:saml:request:${connectionId}:${id}`;
  }
}
