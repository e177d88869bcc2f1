import type { FastifyRequest } from 'fastify';
import passport from 'passport';

/**
 * Runs a registered Passport strategy against a request and resolves with what its `validate`
 * returned (false when the credential was refused). Errors thrown by the strategy reject.
 */
export function runStrategy<T>(name: string, request: FastifyRequest): Promise<T | false> {
  return new Promise((resolve, reject) => {
    const authenticate = passport.authenticate(
      name,
      { session: false },
      (error: unknown, result: T | false) => (error ? reject(error) : resolve(result ?? false)),
    ) as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
    authenticate(request, {}, (error?: unknown) =>
      reject(error ?? new Error('strategy called next()')),
    );
  });
}
