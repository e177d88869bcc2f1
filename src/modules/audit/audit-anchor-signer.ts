import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { MasterKeyService } from '../../common/crypto/master-key';
import { GENESIS_HASH } from './audit-chain';
import { AuditAnchor } from './audit-anchor.entity';

/** A position in a chain: an event's seq and hash (seq 0 and GENESIS_HASH before the first). */
export interface ChainPoint {
  seq: number;
  hash: string;
}

export const GENESIS_POINT: ChainPoint = { seq: 0, hash: GENESIS_HASH };

/**
 * Signs and checks chain anchors with HMAC-SHA256 under a key derived from the master key (as the
 * API key pepper is): the database alone, or whoever writes to it, cannot make a valid one.
 * Changing the master key makes every stored anchor fail `verify`, as it invalidates API keys.
 */
@Injectable()
export class AuditAnchorSigner {
  private readonly key: Buffer;

  constructor(masterKey: MasterKeyService) {
    this.key = masterKey.derive('audit-chain-anchor');
  }

  /** The anchor of `chain` from `start` to `head`, signed now. */
  anchor(chain: string, start: ChainPoint, head: ChainPoint): AuditAnchor {
    return {
      chain,
      startSeq: start.seq,
      startHash: start.hash,
      seq: head.seq,
      hash: head.hash,
      hmac: this.mac(chain, start, head).toString('hex'),
      anchoredAt: new Date(),
    };
  }

  isAuthentic(anchor: AuditAnchor): boolean {
    const expected = this.mac(
      anchor.chain,
      { seq: anchor.startSeq, hash: anchor.startHash },
      { seq: anchor.seq, hash: anchor.hash },
    );
    const presented = Buffer.from(anchor.hmac, 'hex');
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  /** Over a JSON array: one text per anchor, whatever its fields contain. */
  private mac(chain: string, start: ChainPoint, head: ChainPoint): Buffer {
    const fields = ['tessera-audit-anchor-v1', chain, start.seq, start.hash, head.seq, head.hash];
    return createHmac('sha256', this.key).update(JSON.stringify(fields)).digest();
  }
}
