import proxyAddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';

/** Fastify's `trustProxy` option, as `TRUST_PROXY` sets it. */
export type TrustProxySetting = boolean | string[] | ((address: string, hop: number) => boolean);

/** `TRUST_PROXY`: false, true, a hop count, or a comma-separated list of addresses/CIDRs. */
export function trustProxySetting(value: string): TrustProxySetting {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) {
    // Fastify 5.12 answers a bare number with "trust nothing"; a hop count as documented trusts
    // the nearest N addresses (the socket's is hop 0), as Express does.
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return value.split(',').map((s) => s.trim());
}

/**
 * `request.ip` as Fastify computes it for `setting`, for a request Fastify never sees (the fast
 * lane, fast-lane.ts): the socket's address, or with a trusted proxy the nearest address in
 * X-Forwarded-For that is not trusted, with the same library and the same trust function.
 */
export function requestIpResolver(
  setting: TrustProxySetting,
): (raw: IncomingMessage) => string | undefined {
  if (setting === false) return (raw) => raw.socket.remoteAddress;
  const trusted =
    setting === true ? () => true : Array.isArray(setting) ? proxyAddr.compile(setting) : setting;
  return (raw) => {
    const addresses = proxyAddr.all(raw, trusted);
    return addresses[addresses.length - 1];
  };
}
