import { unsignedInteger } from './der';

const hex = (bytes: number[]) => unsignedInteger(Buffer.from(bytes)).toString('hex');

describe('DER INTEGER', () => {
  it('drops leading zero bytes, which OpenSSL refuses as illegal padding', () => {
    // A random certificate serial starts 0x00 one time in 256: it must still encode minimally.
    expect(hex([0x00, 0x01, 0x02])).toBe('02020102');
    expect(hex([0x00, 0x00, 0x7f])).toBe('02017f');
  });

  it('keeps one zero byte in front of a set top bit, so the value stays positive', () => {
    expect(hex([0x80])).toBe('02020080');
    expect(hex([0x00, 0x00, 0x80, 0x01])).toBe('0203008001');
  });

  it('writes zero as a single zero byte', () => {
    expect(hex([0x00, 0x00])).toBe('020100');
    expect(hex([])).toBe('020100');
  });
});
