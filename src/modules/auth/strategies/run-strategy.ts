import type { FastifyRequest } from 'fastify';
import type { Strategy } from 'passport';

type Augmented = Strategy & {
  success(user: unknown): void;
  fail(...args: unknown[]): void;
  error(error: unknown): void;
  pass(): void;
  redirect(): void;
};

/**
 * Runs one Passport strategy instance against a request, the way passport.authenticate() does
 * (a per-call object with success/fail/error), and resolves with what its `validate` returned,
 * or false when the credential was refused.
 *
 * The instance is called directly rather than by name through passport's process-wide registry:
 * two Tessera apps in one process (tests, or an embedding host) would otherwise share whichever
 * strategy registered last, with the other app's database behind it.
 */
export function runStrategy<T>(strategy: Strategy, request: FastifyRequest): Promise<T | false> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as Augmented;
    attempt.success = (user) => resolve(user as T);
    attempt.fail = () => resolve(false);
    attempt.error = (error) => reject(error instanceof Error ? error : new Error(String(error)));
    attempt.pass = () => resolve(false);
    attempt.redirect = () => resolve(false);
    try {
      (attempt.authenticate as (req: unknown, options: unknown) => void).call(attempt, request, {
        session: false,
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
