import { BlockList, SocketAddress, isIPv4, isIPv6 } from 'node:net';

/**
 * `allowed_ips` on API keys: IPv4/IPv6 addresses and CIDR ranges. Entries are validated and
 * canonicalised once when a key is written; matching (every request) is a `net.BlockList` lookup.
 */

type IpFamily = 'ipv4' | 'ipv6';

interface AllowedNetwork {
  family: IpFamily;
  /** Canonical text: dotted quad, or RFC 5952 compressed lowercase IPv6. */
  address: string;
  prefix: number;
}

export interface IpAllowlist {
  allows(ip: string): boolean;
}

const FAMILY_BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };
// Plain decimal only: no sign, no leading zeros, no whitespace.
const PREFIX_LENGTH = /^(?:0|[1-9][0-9]{0,2})$/;
const ALLOW_ALL: IpAllowlist = { allows: () => true };

/**
 * The canonical form of an `allowed_ips` entry, or null when it is not one. A full-length prefix
 * is dropped (`10.0.0.1/32` -> `10.0.0.1`) and IPv4-mapped IPv6 becomes plain IPv4, so equal
 * entries compare equal. A range with host bits set (`10.0.0.1/8`) is refused rather than
 * widened silently: it is usually a typo for something narrower.
 */
export function normalizeAllowedIp(entry: string): string | null {
  const network = parseAllowedIp(entry);
  if (network === null) return null;
  return network.prefix === FAMILY_BITS[network.family]
    ? network.address
    : `${network.address}/${network.prefix}`;
}

/**
 * An empty list allows every address (no restriction configured). Entries are expected to have
 * passed `normalizeAllowedIp` when stored; one that does not parse throws instead of being
 * skipped, so damaged data fails loudly and can never widen a list.
 *
 * Like `net.BlockList`, IPv4 and IPv4-mapped IPv6 (`::ffff:a.b.c.d`) are the same address: a
 * dual-stack socket reports IPv4 clients in the mapped form. A consequence: an IPv6 range that
 * covers `::ffff:0:0/96`, such as `::/0`, admits IPv4 clients too.
 */
export function compileAllowlist(entries: readonly string[]): IpAllowlist {
  if (entries.length === 0) return ALLOW_ALL;
  const list = new BlockList();
  for (const entry of entries) {
    const network = parseAllowedIp(entry);
    if (network === null) throw new Error(`Invalid allowed_ips entry: ${entry}`);
    list.addSubnet(network.address, network.prefix, network.family);
  }
  return {
    allows(ip: string): boolean {
      // Fail closed: an unparsable client address (proxy misconfiguration, empty) never matches.
      const family = clientFamily(ip);
      return family !== null && list.check(ip, family);
    },
  };
}

function parseAllowedIp(entry: string): AllowedNetwork | null {
  if (typeof entry !== 'string') return null;
  const text = entry.trim();
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = entryFamily(address);
  if (family === null) return null;

  let prefix = FAMILY_BITS[family];
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!PREFIX_LENGTH.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > FAMILY_BITS[family]) return null;
  }

  const bytes = family === 'ipv4' ? ipv4Bytes(address) : ipv6Bytes(address);
  if (!hostBitsAreZero(bytes, prefix)) return null;
  if (family === 'ipv6' && isIpv4Mapped(bytes) && prefix >= 96) {
    return { family: 'ipv4', address: bytes.slice(12).join('.'), prefix: prefix - 96 };
  }
  return {
    family,
    // isIPv4 already refuses leading zeros and other variants, so IPv4 text is canonical as is.
    address: family === 'ipv4' ? address : new SocketAddress({ address, family }).address,
    prefix,
  };
}

function entryFamily(address: string): IpFamily | null {
  if (isIPv4(address)) return 'ipv4';
  // A zone (`fe80::1%eth0`) names an interface of one host; it means nothing in a shared list.
  if (isIPv6(address) && !address.includes('%')) return 'ipv6';
  return null;
}

function clientFamily(ip: string): IpFamily | null {
  if (typeof ip !== 'string') return null;
  if (isIPv4(ip)) return 'ipv4';
  if (isIPv6(ip)) return 'ipv6';
  return null;
}

/** Expects text that passed `isIPv4`. */
function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** Expects text that passed `isIPv6`, without a zone. */
export function ipv6Bytes(address: string): number[] {
  // Rewrite an embedded IPv4 tail (`::ffff:1.2.3.4`) as its two hex groups.
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  let text = address;
  if (tail.includes('.')) {
    const [a, b, c, d] = ipv4Bytes(tail);
    const hexGroups = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    text = address.slice(0, lastColon + 1) + hexGroups;
  }
  const [head, rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  // `::` stands for as many zero groups as make eight; without it there are eight already.
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...restGroups];
  return groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function hostBitsAreZero(bytes: number[], prefix: number): boolean {
  return bytes.every((byte, index) => {
    const networkBits = Math.min(Math.max(prefix - index * 8, 0), 8);
    const hostMask = 0xff >> networkBits;
    return (byte & hostMask) === 0;
  });
}

export function isIpv4Mapped(bytes: number[]): boolean {
  return bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}
