import type { ApiKey } from '../api-key.entity';
import { CreditRefill, RefillSchedule } from './credit-refill';

/** The stored columns of a key's credits. */
export type StoredCredits = Pick<
  ApiKey,
  | 'id'
  | 'remaining'
  | 'refillInterval'
  | 'refillAmount'
  | 'refillDay'
  | 'lastRefillAt'
  | 'creditsVersion'
  | 'creditsId'
>;

/**
 * What request-time verification knows of a key's credits, as of its cache fill. The live
 * balance is counted elsewhere (ApiKeyCredits): `remaining` and `setAt` only seed a counter that
 * is not counting yet, or whose `version` is older (the balance was updated since).
 */
export interface KeyCredits {
  /** The balance's id: the key's own, or that of the key a rotation replaced (shared). */
  readonly counterId: string;
  readonly version: number;
  readonly remaining: number;
  /** When the balance was set (created, updated, refilled), epoch ms. */
  readonly setAt: number;
  readonly refill: RefillSchedule | null;
}

/** The refill of stored credits, or null. */
export function refillOf(key: StoredCredits): CreditRefill | null {
  if (key.refillInterval === null || key.refillAmount === null) return null;
  return { interval: key.refillInterval, amount: key.refillAmount, day: key.refillDay };
}

/** Null for a key without a limit: its requests never touch a counter. */
export function keyCreditsOf(key: StoredCredits): KeyCredits | null {
  if (key.remaining === null) return null;
  const refill = refillOf(key);
  return {
    counterId: key.creditsId ?? key.id,
    version: key.creditsVersion,
    remaining: key.remaining,
    setAt: key.lastRefillAt?.getTime() ?? 0,
    refill: refill === null ? null : new RefillSchedule(refill),
  };
}
