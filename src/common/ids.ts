import { randomBytes } from 'node:crypto';

/** Ids generated in one millisecond before the counter borrows the next one (RFC 9562 6.2). */
const COUNTER_MAX = 0xfff;

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit counter, then random bits. Ids sort
 * by creation time, so lists can page by id alone (`starting_after`) on both SQLite and MySQL.
 * Within one process they are strictly increasing, also within one millisecond (the counter,
 * "method 1" of RFC 9562 section 6.2, starts at a random value below half its range each new
 * millisecond) and when the clock steps back: events written in one burst list in the order they
 * happened.
 */
export class UuidV7Generator {
  private lastMs = -1;
  private counter = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  /** 32 hex digits, no dashes. */
  nextHex(): string {
    const now = this.clock();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.counter = randomBytes(2).readUInt16BE(0) & 0x7ff;
    } else if (this.counter < COUNTER_MAX) {
      this.counter += 1;
    } else {
      this.lastMs += 1; // 4,096 ids in one millisecond: borrow the next one
      this.counter = 0;
    }
    const bytes = randomBytes(16);
    bytes.writeUIntBE(this.lastMs, 0, 6);
    bytes[6] = 0x70 | (this.counter >> 8); // version 7, counter's high 4 bits
    bytes[7] = this.counter & 0xff;
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
    return bytes.toString('hex');
  }
}

const ids = new UuidV7Generator();

export function uuidv7(): string {
  const hex = ids.nextHex();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `key_0190f…`: a UUIDv7 without dashes behind a type prefix, sortable by creation time. */
export function prefixedId(prefix: string): string {
  return `${prefix}_${ids.nextHex()}`;
}
