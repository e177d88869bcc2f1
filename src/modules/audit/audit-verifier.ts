import { Injectable } from '@nestjs/common';
import { AuditAnchor } from './audit-anchor.entity';
import type { AuditEvent } from './audit-event.entity';
import { AuditAnchorSigner, ChainPoint, GENESIS_POINT } from './audit-anchor-signer';
import { storedEventHash } from './audit-writer';
import { AuditRepository } from './audit.repository';
import { AuditAnchorDto, AuditVerifyDto, ChainProblem } from './dto/audit.dto';

const BATCH = 500;

/** Where a walk along a chain has got to: the last event checked (or the start). */
interface Walk {
  head: ChainPoint & { id?: string };
  checked: number;
  firstId?: string;
}

interface Finding {
  reason: ChainProblem;
  first_broken_id?: string;
}

/**
 * Checks a chain's events (each follows the previous one with no gap and hashes to what it stores),
 * which catches an edit, then the chain against its signed anchor, which catches what the walk
 * cannot: the newest events deleted, hashes recomputed, the oldest cut under a forged checkpoint.
 */
@Injectable()
export class AuditVerifier {
  constructor(
    private readonly repository: AuditRepository,
    private readonly signer: AuditAnchorSigner,
  ) {}

  async verify(chain: string): Promise<AuditVerifyDto> {
    const checkpoint = await this.repository.checkpoint(chain);
    const start = checkpoint
      ? { seq: checkpoint.lastPrunedSeq, hash: checkpoint.lastPrunedHash }
      : GENESIS_POINT;
    const walk: Walk = { head: start, checked: 0 };
    let broken = await this.walkOn(chain, walk);
    // Read after the walk: the writer stores an anchor with the events it covers, so one read
    // now covers every event walked, unless a batch was stored since (then walk on to it).
    const anchor = await this.repository.anchor(chain);
    let walkedOn = false;
    if (!broken && anchor && anchor.seq > walk.head.seq) {
      broken = await this.walkOn(chain, walk);
      walkedOn = true;
    }
    const finding =
      broken ??
      (await this.againstAnchor(chain, anchor, start, walk, walkedOn)) ??
      (await this.outOfChain(chain, start.seq));
    return {
      valid: finding === null,
      events_checked: walk.checked,
      ...(finding ?? {}),
      anchor: anchor && toAnchorDto(anchor),
    };
  }

  /** A row that claims the organization where no walk of its chain goes (see the list). */
  private async outOfChain(chain: string, lastPrunedSeq: number): Promise<Finding | null> {
    const stray = await this.repository.outOfChain(chain, lastPrunedSeq);
    return stray && { reason: 'out_of_chain', first_broken_id: stray.id };
  }

  /** Walks on from where `walk` is to the chain's end; the first event that does not follow. */
  private async walkOn(chain: string, walk: Walk): Promise<Finding | null> {
    for (;;) {
      const batch = await this.repository.batch(chain, walk.head.seq, BATCH);
      if (batch.length === 0) return null;
      for (const event of batch) {
        walk.checked += 1;
        walk.firstId ??= event.id;
        const intact =
          event.seq === walk.head.seq + 1 && event.prevHash === walk.head.hash && hashHolds(event);
        if (!intact) return { reason: 'chain_broken', first_broken_id: event.id };
        walk.head = { seq: event.seq, hash: event.hash, id: event.id };
      }
    }
  }

  private async againstAnchor(
    chain: string,
    anchor: AuditAnchor | null,
    start: ChainPoint,
    walk: Walk,
    walkedOn: boolean,
  ): Promise<Finding | null> {
    // No anchor: fine for a chain that never had an event; else it was deleted (or the chain was
    // last written before anchoring; its next event anchors it).
    if (!anchor) return walk.head.seq === GENESIS_POINT.seq ? null : { reason: 'anchor_missing' };
    if (!this.signer.isAuthentic(anchor)) return { reason: 'anchor_forged' };
    if (anchor.startSeq !== start.seq || anchor.startHash !== start.hash) {
      return { reason: 'start_mismatch', first_broken_id: walk.firstId };
    }
    const { head } = walk;
    if (anchor.seq > head.seq) return { reason: 'events_missing' };
    if (anchor.seq === head.seq) {
      return anchor.hash === head.hash
        ? null
        : { reason: 'head_mismatch', first_broken_id: head.id };
    }
    // Events after the anchor: those found by walking on were stored after it was read; any
    // other was written without the writer, which anchors every batch it stores.
    const anchored = await this.repository.eventAt(chain, anchor.seq);
    if (anchored?.hash !== anchor.hash) {
      return { reason: 'head_mismatch', first_broken_id: anchored?.id };
    }
    if (walkedOn) return null;
    const unanchored = await this.repository.eventAt(chain, anchor.seq + 1);
    return { reason: 'unanchored_events', first_broken_id: unanchored?.id };
  }
}

function toAnchorDto(anchor: AuditAnchor): AuditAnchorDto {
  return {
    seq: anchor.seq,
    hash: anchor.hash,
    hmac: anchor.hmac,
    start_seq: anchor.startSeq,
    start_hash: anchor.startHash,
    anchored_at: anchor.anchoredAt.toISOString(),
  };
}

/** Whether the stored hash is the event's; a row whose metadata is no JSON is not intact. */
function hashHolds(event: AuditEvent): boolean {
  try {
    return storedEventHash(event) === event.hash;
  } catch {
    return false;
  }
}
