import { buildMessage, isISO8601, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * ISO 8601 as JavaScript's Date reads it: a calendar date (`2026-11-23`, or its year or month
 * alone), optionally a time to the minute or finer and an offset.
 */
const CALENDAR_DATE_TIME =
  /^\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;

/**
 * The years both databases store and compare as dates: an offset can carry 9999-12-31 into year
 * 10000 in UTC, which SQLite compares as text (out of order) and MariaDB refuses.
 */
const EARLIEST_MS = Date.UTC(1000, 0, 1);
const LATEST_MS = Date.UTC(10000, 0, 1);

/** True when `value` is an ISO 8601 date or time that `new Date(value)` reads as written. */
export function isTimestamp(value: unknown): boolean {
  if (
    typeof value !== 'string' ||
    !CALENDAR_DATE_TIME.test(value) ||
    !isISO8601(value, { strict: true })
  ) {
    return false;
  }
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && ms >= EARLIEST_MS && ms < LATEST_MS;
}

/**
 * A date or time filter (`since`, `until`). IsISO8601 alone also accepts forms Date cannot read:
 * week dates (`2020-W01`), the basic format (`20200101`), an hour alone (`2020-01-01T10`) become
 * an Invalid Date, which SQLite and MariaDB compare differently (the filter matched everything on
 * one, nothing on the other), and an ordinal date (`2020-010`, January 10) is read as October 1.
 * Reported as IsISO8601 is (`type_error.datetime`).
 */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isISO8601',
      validator: {
        validate: isTimestamp,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a valid ISO 8601 date string`,
          options,
        ),
      },
    },
    options,
  );
}
