import { randomBytes } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids sort by creation time,
 * so lists can page by id alone (`starting_after`) on both SQLite and MySQL.
 */
export function uuidv7(now = Date.now()): string {
  const hex = uuidv7Hex(now);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `key_0190f…`: a UUIDv7 without dashes behind a type prefix, sortable by creation time. */
export function prefixedId(prefix: string): string {
  return `${prefix}_${uuidv7Hex(Date.now())}`;
}

function uuidv7Hex(now: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
  return bytes.toString('hex');
}
