import { isIPv6 } from 'node:net';
import { ipv6Bytes, isIpv4Mapped } from './ip-allowlist';

/**
 * The key a per-client-address limit counts under, from `clientAddressOf` (port already dropped):
 * an IPv4 address as it is, an IPv6 address by
 * its /64. One host or subscriber is normally given a whole /64 (RFC 6177), so counting single
 * IPv6 addresses would let one client rotate through 2^64 of them, each with a fresh limit, and
 * flood the in-memory counters until older ones (someone's failed logins) were evicted.
 */
export function clientNetworkOf(ip: string): string {
  // Every IPv6 text has a colon: IPv4 clients skip isIPv6's long regular expression.
  if (!ip.includes(':') || !isIPv6(ip)) return ip;
  const zone = ip.indexOf('%');
  const bytes = ipv6Bytes(zone < 0 ? ip : ip.slice(0, zone));
  // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d: the same client as a.b.c.d.
  // Behind a stateless translator (SIIT-DC, RFC 7755) an IPv6-only deployment sees every IPv4
  // client as 64:ff9b::a.b.c.d (RFC 6052's well-known prefix): by its /64, the whole IPv4
  // Internet would share one limit.
  if (isIpv4Mapped(bytes) || isNat64WellKnown(bytes)) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return `${groups.join(':')}::/64`;
}

/** In 64:ff9b::/96, the IPv4/IPv6 translation prefix of RFC 6052 (the IPv4 address is the last 32 bits). */
function isNat64WellKnown(bytes: number[]): boolean {
  return (
    bytes[0] === 0x00 &&
    bytes[1] === 0x64 &&
    bytes[2] === 0xff &&
    bytes[3] === 0x9b &&
    bytes.slice(4, 12).every((byte) => byte === 0)
  );
}
