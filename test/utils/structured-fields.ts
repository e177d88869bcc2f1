/**
 * A strict parser for Structured Field Lists of Items (RFC 9651 sections 4.2.1 to 4.2.9), enough
 * to read the RateLimit-Policy and RateLimit fields the way a client library would: anything
 * malformed throws instead of being read leniently, so a test fails on a field a client would
 * have to ignore. Inner lists, dates and display strings are not needed and throw too.
 */
export type BareItem = number | string | boolean | Uint8Array | SfToken;

/** A Token, kept apart from a String (a policy name must be a String). */
export class SfToken {
  constructor(readonly value: string) {}
}

export interface SfItem {
  value: BareItem;
  params: Map<string, BareItem>;
}

export function parseSfList(field: string): SfItem[] {
  return new Parser(field).list();
}

class Parser {
  private at = 0;

  constructor(private readonly input: string) {}

  list(): SfItem[] {
    this.skip(' ');
    const members: SfItem[] = [];
    if (this.at >= this.input.length) return members;
    for (;;) {
      members.push(this.item());
      this.skipOws();
      if (this.at >= this.input.length) return members;
      this.expect(',');
      this.skipOws();
      if (this.at >= this.input.length) this.fail('a list may not end with a comma');
    }
  }

  private item(): SfItem {
    const value = this.bareItem();
    return { value, params: this.parameters() };
  }

  private parameters(): Map<string, BareItem> {
    const params = new Map<string, BareItem>();
    while (this.peek() === ';') {
      this.at++;
      this.skip(' ');
      const key = this.key();
      let value: BareItem = true;
      if (this.peek() === '=') {
        this.at++;
        value = this.bareItem();
      }
      params.set(key, value); // a later duplicate overrides (section 4.2.3.2)
    }
    return params;
  }

  private key(): string {
    const match = /^[a-z*][a-z0-9_\-.*]*/.exec(this.input.slice(this.at));
    if (!match) this.fail('a parameter key');
    this.at += match![0].length;
    return match![0];
  }

  private bareItem(): BareItem {
    const c = this.peek();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (c === '"') return this.string();
    if (c === ':') return this.byteSequence();
    if (c === '?') return this.boolean();
    if (c === '*' || /[A-Za-z]/.test(c)) return this.token();
    return this.fail('an item');
  }

  private number(): number {
    const match = /^-?(\d{1,15})(\.\d{1,3})?/.exec(this.input.slice(this.at));
    if (!match) return this.fail('a number');
    if (match[2] && match[1].length > 12) this.fail('a decimal of at most 12 integer digits');
    const next = this.input[this.at + match[0].length];
    if (next !== undefined && /[\d.]/.test(next)) this.fail('a number of at most 15 digits');
    this.at += match[0].length;
    return Number(match[0]);
  }

  private string(): string {
    this.at++;
    let value = '';
    for (;;) {
      const c = this.input[this.at++];
      if (c === undefined) return this.fail('a closing quote');
      if (c === '"') return value;
      if (c === '\\') {
        const escaped = this.input[this.at++];
        if (escaped !== '"' && escaped !== '\\') this.fail('only \\" and \\\\ escapes');
        value += escaped;
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('printable ASCII in a string');
        value += c;
      }
    }
  }

  private token(): SfToken {
    const match = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/.exec(this.input.slice(this.at));
    this.at += match![0].length;
    return new SfToken(match![0]);
  }

  private byteSequence(): Uint8Array {
    const end = this.input.indexOf(':', this.at + 1);
    if (end < 0) return this.fail('a closing colon');
    const base64 = this.input.slice(this.at + 1, end);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) this.fail('base64');
    this.at = end + 1;
    return Uint8Array.from(Buffer.from(base64, 'base64'));
  }

  private boolean(): boolean {
    const c = this.input[this.at + 1];
    if (c !== '0' && c !== '1') return this.fail('?0 or ?1');
    this.at += 2;
    return c === '1';
  }

  private peek(): string {
    return this.input[this.at] ?? '';
  }

  private skip(c: string): void {
    while (this.input[this.at] === c) this.at++;
  }

  private skipOws(): void {
    while (this.input[this.at] === ' ' || this.input[this.at] === '\t') this.at++;
  }

  private expect(c: string): void {
    if (this.input[this.at] !== c) this.fail(`"${c}"`);
    this.at++;
  }

  private fail(expected: string): never {
    throw new SyntaxError(
      `Structured field: expected ${expected} at ${this.at} of ${JSON.stringify(this.input)}`,
    );
  }
}
