import { clientAddressOf } from './client-address';
import { clientNetworkOf } from './client-network';

const addressOf = (ip: string) => clientAddressOf({ ip });

describe('clientAddressOf', () => {
  it('drops a port that a proxy appended', () => {
    expect(addressOf('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(clientNetworkOf(addressOf('[2001:db8:1:2::1]:443'))).toBe('2001:db8:1:2::/64');
    expect(addressOf('[2001:db8::1]:443')).toBe('2001:db8::1');
  });

  it('leaves addresses without a port, and anything that is not one, as they are', () => {
    for (const ip of ['203.0.113.7', '::1', '2001:db8::1', '::ffff:203.0.113.7', '', 'host:80']) {
      expect(addressOf(ip)).toBe(ip);
    }
  });
});
