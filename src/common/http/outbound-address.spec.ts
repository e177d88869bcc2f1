import { AddressClass, classifyAddress } from './outbound-address';

/** The host as the fetcher sees it: the WHATWG URL parser's hostname, IPv6 brackets removed. */
function hostOf(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
}

describe('classifyAddress', () => {
  it.each<[string, AddressClass]>([
    // IPv4
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['1.1.1.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['169.254.169.254', 'link_local'],
    ['169.254.0.1', 'link_local'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.7', 'documentation'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    // IPv6
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:82b::200e', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['64:ff9b:1::1', 'private'],
    // IPv6 forms that carry an IPv4 address are judged by it
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['::8.8.8.8', 'reserved'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:808:808::1', 'public'],
    // not addresses at all
    ['', 'not_an_address'],
    ['localhost', 'not_an_address'],
    ['[::1]', 'not_an_address'],
    ['2130706433', 'not_an_address'],
    ['0177.0.0.1', 'not_an_address'],
    ['127.1', 'not_an_address'],
    ['127.0.0.1 ', 'not_an_address'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('gives an address as the URL parser normalises it its true class (so other spellings cannot slip past)', () => {
    const cases: [string, string, AddressClass][] = [
      ['https://2130706433/', '127.0.0.1', 'loopback'],
      ['https://0177.0.0.1/', '127.0.0.1', 'loopback'],
      ['https://0x7f.1/', '127.0.0.1', 'loopback'],
      ['https://127.1/', '127.0.0.1', 'loopback'],
      ['https://0/', '0.0.0.0', 'unspecified'],
      ['https://%31%32%37.0.0.1/', '127.0.0.1', 'loopback'],
      ['https://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254', 'link_local'],
      ['https://[::1]/', '::1', 'loopback'],
      ['https://[::ffff:127.0.0.1]/', '::ffff:7f00:1', 'loopback'],
      ['https://[0:0:0:0:0:ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe', 'link_local'],
      ['https://[::]/', '::', 'unspecified'],
    ];
    for (const [url, host, expected] of cases) {
      expect([url, hostOf(url)]).toEqual([url, host]);
      expect([url, classifyAddress(hostOf(url))]).toEqual([url, expected]);
    }
  });

  it('leaves host names to DNS: a name that looks like an address is not one', () => {
    expect(classifyAddress(hostOf('https://127.0.0.1.nip.io/'))).toBe('not_an_address');
    expect(classifyAddress(hostOf('https://localhost/'))).toBe('not_an_address');
  });
});
