import { clientAddressOf, MAX_ADDRESS_LENGTH } from './client-address';
import { clientNetworkOf } from './client-network';

const SOCKET = '192.0.2.1';
/** `ip` as Fastify computes it from X-Forwarded-For, from a proxy connected at SOCKET. */
const addressOf = (ip: string | undefined) =>
  clientAddressOf({ ip: ip as string, socket: { remoteAddress: SOCKET } });

describe('clientAddressOf', () => {
  it('takes the socket’s address when no proxy is in the way', () => {
    expect(addressOf(SOCKET)).toBe(SOCKET);
  });

  it('takes a forwarded address as it is', () => {
    for (const ip of ['203.0.113.7', '::1', '2001:db8::1', '::ffff:203.0.113.7', 'fe80::1%eth0']) {
      expect(addressOf(ip)).toBe(ip);
    }
    const longest = 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255';
    expect(longest).toHaveLength(MAX_ADDRESS_LENGTH);
    expect(addressOf(longest)).toBe(longest);
  });

  it('drops a port that a proxy appended', () => {
    expect(addressOf('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(clientNetworkOf(addressOf('[2001:db8:1:2::1]:443'))).toBe('2001:db8:1:2::/64');
    expect(addressOf('[2001:db8::1]:443')).toBe('2001:db8::1');
  });

  it('takes the socket’s address for a forwarded value that is no address', () => {
    for (const ip of [
      undefined,
      '',
      'unknown',
      'host:80',
      '9'.repeat(60),
      '203.0.113.7.9',
      '203.0.113.7:99999',
      '[2001:db8::1]:99999',
      '[203.0.113.7]:80',
      '2001:db8::1:80:',
      `fe80::1%${'e'.repeat(50)}`,
      `${'1'.repeat(10_000)}`,
    ]) {
      expect(addressOf(ip)).toBe(SOCKET);
    }
  });
});
