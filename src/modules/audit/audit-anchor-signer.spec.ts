import type { MasterKeyService } from '../../common/crypto/master-key';
import { AuditAnchorSigner, GENESIS_POINT } from './audit-anchor-signer';

const signerWith = (secret: string) =>
  new AuditAnchorSigner({
    derive: () => Buffer.from(secret.padEnd(32, '.')),
  } as never as MasterKeyService);

describe('AuditAnchorSigner', () => {
  const signer = signerWith('one master key');
  const head = { seq: 7, hash: 'a'.repeat(64) };
  const anchor = signer.anchor('org-1', GENESIS_POINT, head);

  it('accepts the anchors it signed', () => {
    expect(signer.isAuthentic(anchor)).toBe(true);
  });

  it('refuses one with any signed field changed, or signed under another master key', () => {
    for (const changed of [
      { ...anchor, chain: 'org-2' },
      { ...anchor, seq: 6 },
      { ...anchor, hash: 'b'.repeat(64) },
      { ...anchor, startSeq: 3 },
      { ...anchor, startHash: 'c'.repeat(64) },
      { ...anchor, hmac: 'not hex' },
      { ...anchor, hmac: '' },
    ]) {
      expect(signer.isAuthentic(changed)).toBe(false);
    }
    expect(signerWith('another master key').isAuthentic(anchor)).toBe(false);
  });
});
