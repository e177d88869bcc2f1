import { ForbiddenError } from '../errors/api-errors';
import type { Principal } from './principal';

/**
 * An API key with usage credits would escape them through any credential it made: an API key, an
 * OAuth client's secret, a service account's key file. Every route that mints one refuses it
 * (as a credential never mints one with more scopes than its own).
 */
export function refuseCreditLimited(caller: Principal, what: string): void {
  if (caller.type === 'api_key' && caller.credits !== null) {
    throw new ForbiddenError(`An API key with usage credits cannot ${what}`, 'credits_escalation');
  }
}
