/**
 * One copy of each equal value read from the database, shared by the cache entries that hold it:
 * a row gives every key its own copy of its organization id, scopes and owner, which 20,000
 * cached keys of a few organizations held 20,000 times (~350 bytes a key; issue #19). The values
 * must be immutable (frozen objects, strings). Bounded: past `max` distinct values the table
 * starts again empty (entries keep what they hold; sharing resumes with the next rows).
 */
export class SharedValues<V> {
  private readonly byText = new Map<string, V>();

  constructor(private readonly max = 10_000) {}

  /** The shared value for `text`, made by `make` the first time (or after the table restarted). */
  of(text: string, make: (text: string) => V): V {
    let value = this.byText.get(text);
    if (value === undefined) {
      if (this.byText.size >= this.max) this.byText.clear();
      value = make(text);
      this.byText.set(text, value);
    }
    return value;
  }
}

/** The text itself, shared (a string read from a row is a new string each time). */
export const itself = (text: string): string => text;
