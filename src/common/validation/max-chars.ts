import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * The number of characters MariaDB's utf8mb4 VARCHAR(n) counts: Unicode code points. class-validator's
 * MaxLength counts differently (a letter followed by a variation selector is one), so a value it
 * accepts can still be too long for the column.
 */
export function charCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const pairsWithNext =
      unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1));
    if (pairsWithNext) i++;
    count++;
  }
  return count;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** A string of at most `max` characters as the database counts them (see `charCount`). */
export function MaxChars(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxChars',
      constraints: [max],
      validator: {
        // Code points never outnumber UTF-16 units: most values are settled by `length` alone.
        validate: (value: unknown) =>
          typeof value === 'string' && (value.length <= max || charCount(value) <= max),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be at most $constraint1 characters`,
          options,
        ),
      },
    },
    options,
  );
}
