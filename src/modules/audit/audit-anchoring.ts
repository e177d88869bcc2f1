import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../../config/env.schema';
import { AuditAnchor } from './audit-anchor.entity';
import { AuditAnchorSigner, ChainPoint, GENESIS_POINT } from './audit-anchor-signer';
import { AnchorMove, AuditRepository } from './audit.repository';

const MISMATCH_REPORT_EVERY_MS = 60_000;

/**
 * When a chain's anchor moves: with every batch, but only from an authentic anchor naming the head
 * the batch is chained onto. A chain that no longer matches keeps its anchor as evidence, so later
 * events never hide the tampering from `verify`.
 */
@Injectable()
export class AuditAnchoring {
  private readonly logger = new Logger(AuditAnchoring.name);
  /** The anchor goes to the log each time a chain passes a multiple of this many events (0: never). */
  private readonly logInterval: number;
  /** When each tampered chain was last reported: once a minute, not once per batch. */
  private readonly mismatchReportedAt = new Map<string, number>();

  constructor(
    private readonly signer: AuditAnchorSigner,
    private readonly repository: AuditRepository,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.logInterval = config.get('AUDIT_ANCHOR_LOG_INTERVAL', { infer: true });
  }

  /**
   * The anchor move to store with events chained onto `head` (read before `current`) up to
   * `newHead`; null when the chain's anchor must stay as it is.
   */
  async moveFor(
    chain: string,
    current: AuditAnchor | null,
    head: ChainPoint,
    newHead: ChainPoint,
  ): Promise<AnchorMove | null> {
    if (!current) {
      // A new chain; or one whose events predate anchoring, or whose anchor row was deleted (the
      // two cannot be told apart): anchored from here, said loudly when it has events already.
      const start = await this.startOf(chain);
      if (head.seq !== start.seq) {
        this.logger.warn(
          { chain, head_seq: head.seq },
          'Audit chain has events but no anchor (written before anchoring, or its anchor was ' +
            'deleted from the database): anchoring its current head',
        );
      }
      return { previous: null, next: this.signer.anchor(chain, start, newHead) };
    }
    if (!this.matches(current, head)) return null;
    const start = { seq: current.startSeq, hash: current.startHash };
    return { previous: current, next: this.signer.anchor(chain, start, newHead) };
  }

  /**
   * The anchor move for events chained onto `head` up to `newHead`, where `head` and `anchor` are
   * what this instance stored with its last batch (AuditWriter keeps them): no read, no check of
   * an anchor it signed itself. The move holds only if both are still as stored (`onto`).
   */
  moveOn(anchor: AuditAnchor, head: ChainPoint, newHead: ChainPoint): AnchorMove {
    const start = { seq: anchor.startSeq, hash: anchor.startHash };
    return {
      previous: anchor,
      next: this.signer.anchor(anchor.chain, start, newHead),
      onto: head,
    };
  }

  /**
   * Retention moved the chain's start to `newStart`: the anchor's start follows, keeping its head;
   * null when the anchor is missing or not authentic (left as it is, as evidence).
   */
  moveStart(chain: string, current: AuditAnchor | null, newStart: ChainPoint): AnchorMove | null {
    if (!current || !this.signer.isAuthentic(current)) return null;
    const head = { seq: current.seq, hash: current.hash };
    return { previous: current, next: this.signer.anchor(chain, newStart, head) };
  }

  /**
   * After a write onto `head`: reports a chain extended past an anchor it no longer matches, or
   * pushes the new anchor to the log when the chain passed a multiple of the interval.
   */
  written(
    chain: string,
    move: AnchorMove | null,
    head: ChainPoint,
    current: AuditAnchor | null,
  ): void {
    if (!move) {
      const now = Date.now();
      if (now - (this.mismatchReportedAt.get(chain) ?? 0) < MISMATCH_REPORT_EVERY_MS) return;
      this.mismatchReportedAt.set(chain, now);
      this.logger.error(
        { chain, head_seq: head.seq, anchor_seq: current?.seq },
        'Audit chain does not match its anchor (events deleted or rewritten in the database?): ' +
          'events appended, anchor kept as evidence; verify reports the chain invalid',
      );
      return;
    }
    const { next } = move;
    const interval = this.logInterval;
    if (interval > 0 && Math.floor(next.seq / interval) > Math.floor(head.seq / interval)) {
      this.logger.log(
        {
          audit_anchor: {
            chain,
            seq: next.seq,
            hash: next.hash,
            hmac: next.hmac,
            start_seq: next.startSeq,
            start_hash: next.startHash,
          },
        },
        'Audit chain anchor',
      );
    }
  }

  private matches(anchor: AuditAnchor, head: ChainPoint): boolean {
    return this.signer.isAuthentic(anchor) && anchor.seq === head.seq && anchor.hash === head.hash;
  }

  private async startOf(chain: string): Promise<ChainPoint> {
    const checkpoint = await this.repository.checkpoint(chain);
    return checkpoint
      ? { seq: checkpoint.lastPrunedSeq, hash: checkpoint.lastPrunedHash }
      : GENESIS_POINT;
  }
}
