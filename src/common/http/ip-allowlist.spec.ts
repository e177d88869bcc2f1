import fc from 'fast-check';
import { SocketAddress } from 'node:net';
import { compileAllowlist, normalizeAllowedIp } from './ip-allowlist';

/** Clears every bit after the first `prefix` bits. */
function maskTo(bytes: number[], prefix: number): number[] {
  return bytes.map((byte, index) => {
    const networkBits = Math.min(Math.max(prefix - index * 8, 0), 8);
    return byte & ((0xff << (8 - networkBits)) & 0xff);
  });
}

/** Eight uncompressed hex groups, the spelling furthest from canonical. */
function expandedIpv6(bytes: number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':');
}

describe('normalizeAllowedIp', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['192.168.1.0/24', '192.168.1.0/24'],
    ['203.0.113.7/32', '203.0.113.7'],
    ['  10.0.0.0/8 ', '10.0.0.0/8'],
    ['::1', '::1'],
    ['::1/128', '::1'],
    ['::/0', '::/0'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['2001:DB8:0:0:0:0:0:0/32', '2001:db8::/32'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['fe80::/10', 'fe80::/10'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    // IPv4-mapped IPv6 is stored as the IPv4 it stands for.
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:0:0/96', '0.0.0.0/0'],
  ])('accepts %j as %j', (entry, canonical) => {
    expect(normalizeAllowedIp(entry)).toBe(canonical);
  });

  it.each([
    '',
    '   ',
    'localhost',
    'not an ip',
    '10.0.0',
    '10.0.0.0.1',
    '256.0.0.1',
    '010.0.0.1',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/+8',
    '10.0.0.0/08',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    '10.0.0.0/ 8',
    '10.0.0.0/abc',
    '/8',
    '::1/129',
    '2001:db8::/1000',
    '1::2::3',
    '2001:db8::g',
    '[::1]',
    'fe80::1%eth0',
    // Host bits set: refused rather than silently widened.
    '10.0.0.1/8',
    '192.168.1.10/24',
    '2001:db8::1/32',
    '::ffff:10.0.0.1/104',
  ])('refuses %j', (entry) => {
    expect(normalizeAllowedIp(entry)).toBeNull();
  });

  // IPv6 ranges are checked with hand-written parsing: compare it with Node's on random input.
  // Zero runs are likely in the upper bytes so `::` compression and short prefixes get exercised.
  const ipv6Bytes = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })), {
    minLength: 16,
    maxLength: 16,
  });

  it('accepts any IPv6 network address in any spelling, and nothing with host bits', () => {
    fc.assert(
      fc.property(ipv6Bytes, fc.integer({ min: 0, max: 127 }), fc.nat(), (random, prefix, pick) => {
        const network = maskTo(random, prefix);
        // IPv4-mapped ranges come back as IPv4: covered by the table above.
        fc.pre(!(network.slice(0, 10).every((byte) => byte === 0) && network[10] === 0xff));
        const expanded = expandedIpv6(network);
        const canonical = new SocketAddress({ address: expanded, family: 'ipv6' }).address;

        expect(normalizeAllowedIp(`${expanded}/${prefix}`)).toBe(`${canonical}/${prefix}`);
        expect(normalizeAllowedIp(`${canonical.toUpperCase()}/${prefix}`)).toBe(
          `${canonical}/${prefix}`,
        );

        const hostBit = prefix + (pick % (128 - prefix));
        const withHostBit = [...network];
        withHostBit[hostBit >> 3] |= 0x80 >> (hostBit & 7);
        const spelled = expandedIpv6(withHostBit);
        const compressed = new SocketAddress({ address: spelled, family: 'ipv6' }).address;
        expect(normalizeAllowedIp(`${spelled}/${prefix}`)).toBeNull();
        expect(normalizeAllowedIp(`${compressed}/${prefix}`)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses values that are not strings at runtime', () => {
    expect(normalizeAllowedIp(undefined as unknown as string)).toBeNull();
    expect(normalizeAllowedIp(42 as unknown as string)).toBeNull();
  });

  it('returns entries that normalise to themselves', () => {
    for (const entry of ['2001:DB8::/32', '::ffff:10.0.0.0/104', '127.0.0.1/32']) {
      const canonical = normalizeAllowedIp(entry)!;
      expect(normalizeAllowedIp(canonical)).toBe(canonical);
    }
  });
});

describe('compileAllowlist', () => {
  it('allows everyone when empty', () => {
    const allowlist = compileAllowlist([]);

    expect(allowlist.allows('203.0.113.9')).toBe(true);
    expect(allowlist.allows('2001:db8::1')).toBe(true);
  });

  it('accepts an address inside a CIDR range containing 127.0.0.1 and refuses one outside', () => {
    const allowlist = compileAllowlist(['127.0.0.0/8']);

    expect(allowlist.allows('127.0.0.1')).toBe(true);
    expect(allowlist.allows('127.255.255.254')).toBe(true);
    expect(allowlist.allows('128.0.0.1')).toBe(false);
    expect(allowlist.allows('10.0.0.1')).toBe(false);
  });

  it('matches single IPv4 addresses exactly', () => {
    const allowlist = compileAllowlist(['203.0.113.7']);

    expect(allowlist.allows('203.0.113.7')).toBe(true);
    expect(allowlist.allows('203.0.113.8')).toBe(false);
  });

  it('matches IPv6 addresses and ranges in any spelling', () => {
    const allowlist = compileAllowlist(['::1', '2001:db8::/32']);

    expect(allowlist.allows('::1')).toBe(true);
    expect(allowlist.allows('0:0:0:0:0:0:0:1')).toBe(true);
    expect(allowlist.allows('2001:db8:ffff::1')).toBe(true);
    expect(allowlist.allows('2001:DB8::1')).toBe(true);
    expect(allowlist.allows('2001:db9::1')).toBe(false);
    expect(allowlist.allows('::2')).toBe(false);
  });

  it('keeps the families apart: ::1 is not 127.0.0.1', () => {
    expect(compileAllowlist(['::1']).allows('127.0.0.1')).toBe(false);
    expect(compileAllowlist(['127.0.0.1']).allows('::1')).toBe(false);
  });

  it('matches IPv4-mapped IPv6 clients against IPv4 entries', () => {
    const allowlist = compileAllowlist(['127.0.0.0/8']);

    expect(allowlist.allows('::ffff:127.0.0.1')).toBe(true);
    expect(allowlist.allows('::ffff:7f00:1')).toBe(true);
    expect(allowlist.allows('::FFFF:127.0.0.1')).toBe(true);
    expect(allowlist.allows('::ffff:128.0.0.1')).toBe(false);
  });

  it('matches IPv4 clients against IPv4-mapped entries', () => {
    const allowlist = compileAllowlist(['::ffff:10.0.0.0/104']);

    expect(allowlist.allows('10.1.2.3')).toBe(true);
    expect(allowlist.allows('::ffff:10.1.2.3')).toBe(true);
    expect(allowlist.allows('11.0.0.1')).toBe(false);
  });

  it('treats IPv4 as IPv4-mapped IPv6, so ::/0 admits IPv4 clients too', () => {
    const allowlist = compileAllowlist(['::/0']);

    expect(allowlist.allows('2001:db8::1')).toBe(true);
    expect(allowlist.allows('198.51.100.1')).toBe(true);
  });

  it('allows when any entry matches', () => {
    const allowlist = compileAllowlist(['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32']);

    expect(allowlist.allows('10.9.9.9')).toBe(true);
    expect(allowlist.allows('192.168.44.1')).toBe(true);
    expect(allowlist.allows('2001:db8::5')).toBe(true);
    expect(allowlist.allows('172.16.0.1')).toBe(false);
  });

  it('fails closed on client addresses that do not parse', () => {
    const allowlist = compileAllowlist(['0.0.0.0/0', '::/0']);

    for (const ip of ['', 'unknown', '10.0.0', '127.0.0.1:8080', '[::1]']) {
      expect(allowlist.allows(ip)).toBe(false);
    }
    expect(allowlist.allows(undefined as unknown as string)).toBe(false);
  });

  it('throws on an entry that does not parse instead of skipping it', () => {
    expect(() => compileAllowlist(['10.0.0.0/8', 'nonsense'])).toThrow('Invalid allowed_ips entry');
    expect(() => compileAllowlist(['10.0.0.1/8'])).toThrow('Invalid allowed_ips entry');
  });
});
