import { ValidateBy } from 'class-validator';

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/**
 * The longest lifetime a key can be given: 10 years of 365 days, by `expires_in_days` or by
 * `expiration`. Without a cap, "999999y" is past what a Date holds and "8000y" past what a
 * DATETIME column holds (MariaDB refuses it, SQLite stores the year as 0021).
 */
export const MAX_KEY_LIFETIME_DAYS = 3650;
const MAX_KEY_LIFETIME_MS = MAX_KEY_LIFETIME_DAYS * UNIT_MS.d;

/** `"30d"`, `"12h"`, `"90m"`, `"2w"`, `"1y"`: the shape of `expiration`. */
export const DURATION_FORMAT = /^(\d{1,6})([mhdwy])$/;

/**
 * `"30d"`, `"12h"`, `"90m"`, `"2w"`, `"1y"` → milliseconds; null when it is not such a duration,
 * or it is zero, or longer than the 10-year cap.
 */
export function parseDuration(text: string): number | null {
  const match = DURATION_FORMAT.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  return ms > 0 && ms <= MAX_KEY_LIFETIME_MS ? ms : null;
}

/**
 * `expiration`: a duration of more than zero and at most 10 years. A value of the wrong shape is
 * left to the format rule beside it, so it gets one message, not two.
 */
export function IsKeyLifetime() {
  return ValidateBy({
    name: 'isKeyLifetime',
    validator: {
      validate: (value: unknown) =>
        typeof value !== 'string' || !DURATION_FORMAT.test(value) || parseDuration(value) !== null,
      defaultMessage: () =>
        `expiration must be more than zero and at most 10 years ("${MAX_KEY_LIFETIME_DAYS}d")`,
    },
  });
}
