import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { invalidCredential, TesseraRefusal, tesseraUnavailable } from './refusals';
import {
  baseUrlOf,
  DEFAULT_API_KEY_CACHE_TTL_MS,
  TESSERA_AUTH_OPTIONS,
  type TesseraAuthOptions,
} from './tessera-auth.options';
import type { TesseraPrincipal } from './tessera-principal';

/** Tessera's answer about a key: who it is, or the refusal to pass on (401, 403). */
type Outcome = { principal: TesseraPrincipal } | { refusal: TesseraRefusal };

interface CacheEntry {
  outcome: Promise<Outcome>;
  expiresAt: number;
}

/** Keys remembered at most; past it the oldest are dropped (a flood of made-up keys). */
const MAX_ENTRIES = 10_000;

/**
 * API keys, checked by Tessera (GET /v1/auth/verify): they are opaque, and only Tessera knows
 * whether one was revoked. Each key's answer, a pass or a 401/403, is kept for
 * `apiKeyCacheTtlMs` (10 s by default), so a key revoked in Tessera is refused here at most that
 * long after; concurrent requests with the same key share one look-up. Keys are held by their
 * SHA-256, never in the clear. Tessera's 429 and 5xx answers are passed on and never kept.
 */
@Injectable()
export class ApiKeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly verifyUrl: string;
  private readonly fetch: typeof fetch;

  constructor(@Inject(TESSERA_AUTH_OPTIONS) options: TesseraAuthOptions) {
    this.ttlMs = options.apiKeyCacheTtlMs ?? DEFAULT_API_KEY_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
    this.verifyUrl = `${baseUrlOf(options)}/v1/auth/verify`;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async verify(key: string): Promise<TesseraPrincipal> {
    const outcome = await this.outcomeOf(key);
    if ('refusal' in outcome) throw outcome.refusal;
    return outcome.principal;
  }

  private outcomeOf(key: string): Promise<Outcome> {
    const id = createHash('sha256').update(key).digest('base64url');
    const now = this.now();
    const cached = this.cache.get(id);
    if (cached && cached.expiresAt > now) return cached.outcome;
    const outcome = this.ask(key);
    if (this.ttlMs > 0) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.delete(id); // re-inserted last: the Map's order is the eviction order
      this.cache.set(id, { outcome, expiresAt: now + this.ttlMs });
      // Answers not worth keeping (Tessera down, rate limited) leave the cache once known.
      outcome.catch(() => {
        if (this.cache.get(id)?.outcome === outcome) this.cache.delete(id);
      });
    }
    return outcome;
  }

  /** Resolves with a pass or a refusal to keep; rejects with one that must not be kept. */
  private async ask(key: string): Promise<Outcome> {
    let response: Response;
    try {
      response = await this.fetch(this.verifyUrl, {
        headers: { 'x-api-key': key },
        redirect: 'error', // the key must go to Tessera only
      });
    } catch {
      throw tesseraUnavailable();
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.ok) return { principal: principalOf(body) };
    const detail = typeof body.detail === 'string' ? body.detail : undefined;
    const code = typeof body.code === 'string' ? body.code : undefined;
    if (response.status === 401 || response.status === 403) {
      return {
        refusal: detail ? new TesseraRefusal(response.status, detail, code) : invalidCredential(),
      };
    }
    if (response.status === 429) {
      const retryAfter = response.headers.get('retry-after');
      throw new TesseraRefusal(
        429,
        detail ?? 'Rate limit exceeded',
        code,
        retryAfter ? { 'Retry-After': retryAfter } : undefined,
      );
    }
    throw tesseraUnavailable();
  }
}

function principalOf(body: Record<string, unknown>): TesseraPrincipal {
  return {
    type: body.principal_type as TesseraPrincipal['type'],
    subject: String(body.subject),
    organizationId: typeof body.organization_id === 'string' ? body.organization_id : null,
    scopes: Array.isArray(body.scopes) ? body.scopes.map(String) : [],
    expiresAt: typeof body.expires_at === 'string' ? new Date(body.expires_at) : null,
    environment: typeof body.environment === 'string' ? body.environment : undefined,
    verifiedBy: 'tessera',
  };
}
