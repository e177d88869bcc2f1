import { clientNetworkOf } from './client-network';

describe('clientNetworkOf', () => {
  it('keeps an IPv4 address as it is, and maps IPv4-mapped IPv6 to it', () => {
    expect(clientNetworkOf('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetworkOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetworkOf('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('counts IPv4 clients seen through the NAT64 well-known prefix by their IPv4 address', () => {
    expect(clientNetworkOf('64:ff9b::203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetworkOf('64:ff9b::cb00:7108')).toBe('203.0.113.8');
    // Only the /96: other addresses under 64:ff9b:: are ordinary IPv6 and go by their /64.
    expect(clientNetworkOf('64:ff9b::1:cb00:7107')).toBe('64:ff9b:0:0::/64');
  });

  it('counts every address of one IPv6 /64 as one client, and other /64s apart', () => {
    const network = clientNetworkOf('2001:db8:1:2::1');
    expect(network).toBe('2001:db8:1:2::/64');
    for (const sibling of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0db8:0001:0002:a:b:c:d'])
      expect(clientNetworkOf(sibling)).toBe(network);
    expect(clientNetworkOf('2001:db8:1:3::1')).not.toBe(network);
    expect(clientNetworkOf('::1')).toBe('0:0:0:0::/64');
    expect(clientNetworkOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('passes anything that is not an IP address through unchanged', () => {
    expect(clientNetworkOf('')).toBe('');
    expect(clientNetworkOf('not-an-ip')).toBe('not-an-ip');
    expect(clientNetworkOf('host:80')).toBe('host:80');
  });
});
