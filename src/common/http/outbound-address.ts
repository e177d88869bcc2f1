import { isIPv4, isIPv6 } from 'node:net';
import { ipv6Bytes } from './ip-allowlist';

/**
 * What kind of address a server-side request (an IdP metadata URL, later perhaps a webhook) is
 * about to connect to. Only `public` is reachable from outside by everyone; the others are the
 * machine itself, its networks or its cloud's metadata service (169.254.169.254) — what an SSRF
 * aims at — or addresses that no public host has.
 */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link_local'
  | 'multicast'
  | 'documentation'
  | 'reserved'
  | 'not_an_address';

/** Words for a refusal message: "… resolves to <description>". */
export const ADDRESS_CLASS_DESCRIPTIONS: Record<Exclude<AddressClass, 'public'>, string> = {
  unspecified: 'the unspecified address',
  loopback: 'a loopback address',
  private: 'a private network address',
  shared: 'a carrier-grade NAT (shared) address',
  link_local: 'a link-local address',
  multicast: 'a multicast address',
  documentation: 'an address reserved for documentation',
  reserved: 'a reserved address',
  not_an_address: 'something that is not an IP address',
};

type Ipv4Range = readonly [network: number, prefix: number, kind: AddressClass];

const ipv4 = (a: number, b: number, c: number, d: number) =>
  ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

// RFC 6890 and the IANA special-purpose registry; anything not listed is public.
const IPV4_SPECIAL: readonly Ipv4Range[] = [
  // "This network": Linux connects 0.0.0.0 to the local host.
  [ipv4(0, 0, 0, 0), 8, 'unspecified'],
  [ipv4(10, 0, 0, 0), 8, 'private'],
  [ipv4(100, 64, 0, 0), 10, 'shared'],
  [ipv4(127, 0, 0, 0), 8, 'loopback'],
  // Includes the cloud instance metadata service, 169.254.169.254.
  [ipv4(169, 254, 0, 0), 16, 'link_local'],
  [ipv4(172, 16, 0, 0), 12, 'private'],
  [ipv4(192, 0, 0, 0), 24, 'reserved'],
  [ipv4(192, 0, 2, 0), 24, 'documentation'],
  [ipv4(192, 88, 99, 0), 24, 'reserved'],
  [ipv4(192, 168, 0, 0), 16, 'private'],
  [ipv4(198, 18, 0, 0), 15, 'reserved'],
  [ipv4(198, 51, 100, 0), 24, 'documentation'],
  [ipv4(203, 0, 113, 0), 24, 'documentation'],
  [ipv4(224, 0, 0, 0), 4, 'multicast'],
  // Includes the broadcast address 255.255.255.255.
  [ipv4(240, 0, 0, 0), 4, 'reserved'],
];

/**
 * The class of an IP address in its textual form: dotted-quad IPv4 (as the WHATWG URL parser and
 * `dns.lookup` give it, so `2130706433` or `0177.0.0.1` must be normalised first) or IPv6,
 * without brackets, a zone allowed. IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`,
 * compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that address.
 */
export function classifyAddress(address: string): AddressClass {
  if (typeof address !== 'string') return 'not_an_address';
  if (isIPv4(address)) return classifyIpv4(address.split('.').map(Number));
  if (isIPv6(address)) {
    // A zone (`fe80::1%eth0`) names a local interface; the address before it is what counts.
    const zone = address.indexOf('%');
    return classifyIpv6(ipv6Bytes(zone < 0 ? address : address.slice(0, zone)));
  }
  return 'not_an_address';
}

function classifyIpv4(bytes: readonly number[]): AddressClass {
  const value = ipv4(bytes[0], bytes[1], bytes[2], bytes[3]);
  for (const [network, prefix, kind] of IPV4_SPECIAL) {
    const mask = (0xffffffff << (32 - prefix)) >>> 0;
    if ((value & mask) >>> 0 === network) return kind;
  }
  return 'public';
}

function classifyIpv6(bytes: readonly number[]): AddressClass {
  const startsWith = (prefix: readonly number[]) => prefix.every((byte, i) => bytes[i] === byte);
  const zeroUpTo = (end: number) => bytes.slice(0, end).every((byte) => byte === 0);

  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && bytes[15] === 1) return 'loopback';
  // ::ffff:a.b.c.d, IPv4-mapped: a dual-stack socket connects to the IPv4 address itself.
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return classifyIpv4(bytes.slice(12));
  }
  // ::a.b.c.d, IPv4-compatible (deprecated): refused even when the IPv4 address is public.
  if (zeroUpTo(12)) {
    const embedded = classifyIpv4(bytes.slice(12));
    return embedded === 'public' ? 'reserved' : embedded;
  }
  // 64:ff9b::/96, NAT64: the translator connects to the embedded IPv4 address.
  if (startsWith([0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) {
    return classifyIpv4(bytes.slice(12));
  }
  // 64:ff9b:1::/48, NAT64 for local use only.
  if (startsWith([0x00, 0x64, 0xff, 0x9b, 0x00, 0x01])) return 'private';
  // 2002::/16, 6to4: the relay forwards to the IPv4 address in bits 16..48.
  if (startsWith([0x20, 0x02])) {
    return classifyIpv4(bytes.slice(2, 6));
  }
  if (startsWith([0x20, 0x01, 0x0d, 0xb8])) return 'documentation';
  // 2001::/32, Teredo: the IPv4 address inside is obfuscated; nothing to check, so refused.
  if (startsWith([0x20, 0x01, 0x00, 0x00])) return 'reserved';
  if ((bytes[0] & 0xfe) === 0xfc) return 'private';
  if (bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0x80) return 'link_local';
  // fec0::/10, site-local (deprecated): a private network by another name.
  if (bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0xc0) return 'private';
  if (bytes[0] === 0xff) return 'multicast';
  // Only 2000::/3 is allocated as global unicast; everything else (100::/64 discard, …) is not.
  if ((bytes[0] & 0xe0) !== 0x20) return 'reserved';
  return 'public';
}
