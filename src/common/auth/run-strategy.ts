import type { FastifyRequest } from 'fastify';
import type { Strategy } from 'passport';

/** How a Passport strategy ended: a verified user, a refusal, or a redirect (SAML, OAuth). */
export type StrategyOutcome<T> =
  | { outcome: 'success'; user: T }
  | { outcome: 'fail' }
  | { outcome: 'redirect'; url: string; status: number };

type Attempt = Strategy & {
  success(user: unknown): void;
  fail(...args: unknown[]): void;
  error(error: unknown): void;
  pass(): void;
  redirect(url: string, status?: number): void;
};

/** Where a strategy reads the credential the access guard extracted (see `presenting`). */
export const PRESENTED_CREDENTIAL_HEADER = 'x-tessera-presented-credential';
export const PRESENTED_CREDENTIAL = Symbol('presentedCredential');

/**
 * Runs one Passport strategy instance against a request, the way passport.authenticate() does
 * (a per-call object with success/fail/error/redirect), and resolves with how it ended.
 * Passport's own redirect writes to a Node response, which Fastify does not hand it: the
 * redirect comes back as an outcome for the caller to send.
 *
 * The instance is called directly rather than by name through passport's process-wide registry:
 * two Tessera apps in one process (tests, or an embedding host) would otherwise share whichever
 * strategy registered last, with the other app's database behind it.
 */
export function runStrategy<T>(
  strategy: Strategy,
  request: FastifyRequest,
): Promise<StrategyOutcome<T>> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as Attempt;
    attempt.success = (user) => resolve({ outcome: 'success', user: user as T });
    attempt.fail = () => resolve({ outcome: 'fail' });
    attempt.pass = () => resolve({ outcome: 'fail' });
    attempt.redirect = (url, status = 302) => resolve({ outcome: 'redirect', url, status });
    // Kept as the cause, so what it says (a database out of reach: 503) is not lost.
    attempt.error = (error) => reject(asError(error));
    try {
      (attempt.authenticate as (req: unknown, options: unknown) => void).call(attempt, request, {
        session: false,
      });
    } catch (error) {
      reject(asError(error));
    }
  });
}

/**
 * An error from another realm (a driver error under Jest's VM, say) is no `instanceof Error`:
 * wrapped, with the original as its cause.
 */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error), { cause: error });
}

/** What a strategy's `validate` returned, or false when it refused the credential. */
export async function verifiedBy<T>(
  strategy: Strategy,
  request: FastifyRequest,
): Promise<T | false> {
  const result = await runStrategy<T>(strategy, request);
  return result.outcome === 'success' ? result.user : false;
}

/**
 * The request as a strategy should see it, with the credential the guard extracted (from any of
 * the transports) in one place: a view over the request (its own header and symbol), so the real
 * request is never changed. Its headers are a view too, the presented one its own and the others
 * read through to the request's (a strategy reads headers by name; none lists them): copying
 * them was ~2 of the ~3 us this took on every cache miss (a cold key, a new token).
 */
export function presenting(request: FastifyRequest, credential: string): FastifyRequest {
  const headers = Object.create(request.headers) as Record<string, unknown>;
  headers[PRESENTED_CREDENTIAL_HEADER] = credential;
  const view = Object.create(request) as Record<PropertyKey, unknown>;
  // Defined, not assigned: Fastify's `headers` is an accessor whose setter would merge a copy.
  Object.defineProperty(view, 'headers', { value: headers });
  view[PRESENTED_CREDENTIAL] = credential;
  return view as unknown as FastifyRequest;
}
