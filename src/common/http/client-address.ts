import type { FastifyRequest } from 'fastify';
import { isIP } from 'node:net';

/** What the address is read from: a Fastify request (whose socket, once destroyed, may be gone). */
type ClientRequest = Pick<FastifyRequest, 'ip'> & { socket?: { remoteAddress?: string } | null };

/**
 * The longest textual IP address: an IPv4-mapped IPv6 address in full
 * (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`), and the width of every column that stores one.
 */
export const MAX_ADDRESS_LENGTH = 45;
/** An address with a port a proxy appended, bracketed (`[<45 characters>]:65535`). */
const MAX_FORWARDED_LENGTH = MAX_ADDRESS_LENGTH + 8;

/**
 * The client's address, as every check and record uses it (API key allowlists, rate limits,
 * usage `last_ip`, the audit log): `request.ip` (X-Forwarded-For honoured only per TRUST_PROXY)
 * without the port some proxies append there (`203.0.113.7:51234`, `[2001:db8::1]:443`, as
 * Azure Application Gateway does). With the port, an allowlisted client was refused and a client
 * got a fresh rate limit per source port.
 *
 * What a proxy forwards is the caller's text: anything that is not an IP address (`unknown`, a
 * 60-byte string, an IPv6 address with a zone longer than a column) is taken as no information,
 * and the socket's address is used, as without a proxy. Stored as it was, such a value failed the
 * audit INSERT on MariaDB ("Data too long") and jammed the organization's audit log behind it.
 */
export function clientAddressOf(request: ClientRequest): string {
  const ip = request.ip;
  const socketAddress = request.socket?.remoteAddress ?? '';
  // Hot path: no proxy in the way (TRUST_PROXY off, or no X-Forwarded-For): the kernel's address.
  if (ip === socketAddress) return ip;
  return forwardedAddress(ip) ?? socketAddress;
}

/** The IP address in an X-Forwarded-For entry, without a port; null when it holds none. */
function forwardedAddress(entry: string | undefined): string | null {
  if (!entry || entry.length > MAX_FORWARDED_LENGTH) return null;
  const address = isIP(entry) !== 0 ? entry : withoutPort(entry);
  return address !== null && address.length <= MAX_ADDRESS_LENGTH ? address : null;
}

/** `203.0.113.7:51234` is `203.0.113.7`, `[2001:db8::1]:443` is `2001:db8::1`; else null. */
function withoutPort(entry: string): string | null {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(entry);
  if (!match || Number(match[3]) > 65535) return null;
  const [, bracketed, plain] = match;
  if (bracketed !== undefined) return isIP(bracketed) === 6 ? bracketed : null;
  return isIP(plain) === 4 ? plain : null;
}
