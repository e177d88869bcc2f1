import { ValidateBy, ValidationError } from 'class-validator';

/** The key under which an EachEntry rule leaves its check in the error's `contexts`. */
const ENTRY_CHECK = 'entryCheck';
/** Lists hold at most 100 entries; past that, ArrayMaxSize has said enough. */
const MAX_REPORTED_ENTRIES = 100;

type EntryCheck = (entry: unknown) => boolean;

/**
 * A rule on every entry of a list whose failures the validation pipe reports at the entries'
 * indexes (`loc: ["body", "allowed_ips", 2]`), like any other field; class-validator's `each`
 * option can only point at the whole list.
 */
export function EachEntry(rule: { name: string; message: string; check: EntryCheck }) {
  return ValidateBy(
    {
      name: rule.name,
      validator: {
        // A value that is not a list is IsArray's to report.
        validate: (value: unknown) => !Array.isArray(value) || value.every(rule.check),
        defaultMessage: () => rule.message,
      },
    },
    { context: { [ENTRY_CHECK]: rule.check } },
  );
}

/** The indexes of the entries an EachEntry rule refused, or null for any other constraint. */
export function refusedEntries(error: ValidationError, constraint: string): number[] | null {
  const check = (error.contexts?.[constraint] as Record<string, unknown> | undefined)?.[
    ENTRY_CHECK
  ] as EntryCheck | undefined;
  if (!check || !Array.isArray(error.value)) return null;
  const list: unknown[] = error.value;
  const refused: number[] = [];
  for (let i = 0; i < list.length && refused.length < MAX_REPORTED_ENTRIES; i++) {
    if (!check(list[i])) refused.push(i);
  }
  return refused;
}
