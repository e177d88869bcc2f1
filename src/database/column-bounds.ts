declare global {
  // ES2024 (Node 20+): not in the ES2022 lib this project compiles against.
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/**
 * A string that fits a VARCHAR(maxLength) column as it is stored, on MariaDB as on SQLite: at most
 * `maxLength` UTF-16 units (MariaDB counts characters, never more than that), and no lone
 * surrogate. MariaDB would store one as U+FFFD, so the value read back would differ from the one
 * written (an audit event's hash would no longer match it); it is replaced by U+FFFD here.
 * For values not checked before (headers, forwarded addresses, ids from elsewhere); cheap when the
 * value already fits, as nearly every one does.
 */
export function fitToColumn(value: string, maxLength: number): string {
  const cut = value.length > maxLength ? value.slice(0, maxLength) : value;
  return cut.isWellFormed() ? cut : cut.toWellFormed();
}

export function fitToNullableColumn(value: string | null, maxLength: number): string | null {
  return value === null ? null : fitToColumn(value, maxLength);
}
