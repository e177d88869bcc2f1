import { randomFillSync } from 'node:crypto';

/**
 * Random bytes drawn from a pool refilled 4 KiB at a time: a `randomBytes(16)` per id was a
 * measurable part of recording an audit event (one id each).
 */
class RandomPool {
  private readonly pool = Buffer.allocUnsafe(4096);
  private offset = this.pool.length;

  /** `size` fresh random bytes, copied out of the pool. */
  take(size: number): Buffer {
    if (this.offset + size > this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const bytes = Buffer.from(this.pool.subarray(this.offset, this.offset + size));
    this.offset += size;
    return bytes;
  }
}

const random = new RandomPool();

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
      this.counter = random.take(2).readUInt16BE(0) & 0x7ff;
    } else if (this.counter < COUNTER_MAX) {
      this.counter += 1;
    } else {
      this.lastMs += 1; // 4,096 ids in one millisecond: borrow the next one
      this.counter = 0;
    }
    const bytes = random.take(16);
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

/** A UUID as Tessera issues and stores it: dashed, lower-case hex (any version). */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_ANY_CASE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_32 = /^[0-9a-f]{32}$/;

/** Exactly as issued: ids are compared byte for byte, by the caches and by the database alike. */
export function isCanonicalUuid(value: string): boolean {
  return value.length === 36 && CANONICAL_UUID.test(value);
}

/**
 * A UUID in any case, lower-cased (RFC 9562 section 4: case-insensitive on input, lower case
 * on output); null when it is not a UUID. For ids a client names rather than echoes back from a
 * URL, such as X-Organization-ID.
 */
export function canonicalUuid(value: string): string | null {
  if (value.length !== 36) return null;
  if (CANONICAL_UUID.test(value)) return value;
  return UUID_ANY_CASE.test(value) ? value.toLowerCase() : null;
}

/** `prefix_<32 lower-case hex>`, as `prefixedId(prefix)` makes them (`key_…` for API keys). */
export function isPrefixedId(prefix: string, value: string): boolean {
  return (
    value.length === prefix.length + 33 &&
    value.startsWith(prefix) &&
    value[prefix.length] === '_' &&
    HEX_32.test(value.slice(prefix.length + 1))
  );
}

/** The type prefix of API key ids. */
export const API_KEY_ID_PREFIX = 'key';
