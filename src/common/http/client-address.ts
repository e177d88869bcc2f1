import type { FastifyRequest } from 'fastify';
import { isIP, isIPv6 } from 'node:net';

/**
 * The client's address, as every check and record uses it (API key allowlists, rate limits,
 * usage `last_ip`, the audit log): `request.ip` (X-Forwarded-For honoured only per TRUST_PROXY)
 * without the port some proxies append there (`203.0.113.7:51234`, `[2001:db8::1]:443`, as
 * Azure Application Gateway does). With the port, an allowlisted client was refused and a client
 * got a fresh rate limit per source port.
 */
export function clientAddressOf(request: Pick<FastifyRequest, 'ip'>): string {
  const ip = request.ip;
  // Hot path: an IPv4 address without a port, or a plain IPv6 address, as the socket gives them.
  if (ip.indexOf(':') < 0 || isIPv6(ip)) return ip;
  const bracketed = /^\[([^\]]+)\]:\d{1,5}$/.exec(ip);
  if (bracketed && isIPv6(bracketed[1])) return bracketed[1];
  const colon = ip.lastIndexOf(':');
  if (colon > 0 && /^\d{1,5}$/.test(ip.slice(colon + 1))) {
    const host = ip.slice(0, colon);
    if (isIP(host) === 4) return host;
  }
  return ip;
}
