import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../../config/env.schema';
import { DatabaseAvailability } from '../../database/database-availability';
import { databaseErrorCode, isDataError, isUniqueViolation } from '../../database/errors';
import { AUDIT_ACTIONS } from './audit-actions';
import { AuditEvent } from './audit-event.entity';
import { ChainedFields, eventHash } from './audit-chain';
import { gapMarker, setAsideMarker } from './audit-markers';
import { ChainPoint, GENESIS_POINT } from './audit-anchor-signer';
import { AuditAnchoring } from './audit-anchoring';
import { AuditAnchor } from './audit-anchor.entity';
import { AnchorMove, AnchorMovedError, AuditRepository } from './audit.repository';

/** An event as recorded, before it has a place in its chain. */
export type PendingAuditEvent = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;

const MAX_BACKOFF_MS = 30_000;
/** Events of one chain written by one INSERT: two queries per batch instead of two per event. */
const BATCH_SIZE = 100;
/**
 * How long a chain's writer lets events gather before writing fewer than a batch. Without it, a
 * steady stream (a token endpoint audits every issuance) is written a few events at a time, and
 * the queries and transaction of each write cost more than the requests that recorded them.
 */
const GATHER_MS = 10;
/** At most one "queue full" log line this often. */
const DROP_LOG_EVERY_MS = 10_000;

interface Queued {
  event: PendingAuditEvent;
  /** Set on a gap marker: how many events were dropped here (it grows until written). */
  dropped?: number;
  /** The writer's own event (a gap or set-aside marker): not counted in the queue's bound. */
  marker?: true;
}

/** An event that cannot even be chained (e.g. an invalid date): no retry will change that. */
class UnchainableEventError extends Error {
  readonly code = 'UNCHAINABLE_EVENT';
}

/** Events placed in their chain, and the anchor move to store with them. */
interface ChainedBatch {
  events: AuditEvent[];
  /** The head they are chained onto, and the anchor read with it. */
  head: ChainPoint;
  anchor: AuditAnchor | null;
  move: AnchorMove | null;
}

interface ChainQueue {
  items: Queued[];
  /** How many of the first items the write loop is storing now (no longer to be changed). */
  inFlight: number;
  /** The chain's write loop, while one runs; it ends when the queue is empty. */
  writing: Promise<void> | null;
}

/**
 * Appends events to their organization's hash chain without forking it: one write loop per chain
 * here, and across instances the unique (chain, seq) index makes a race's loser re-read the head.
 * Failures are queued and retried, never failing the caller; the bounded queue, gap markers and
 * set-aside events are described in the README's "Audit log".
 */
@Injectable()
export class AuditWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(AuditWriter.name);
  private readonly chains = new Map<string, ChainQueue>();
  private readonly maxQueued: number;
  /** Real events queued (gap markers are not counted: at most one per chain at a time). */
  private queued = 0;
  private lastDropLoggedAt = 0;
  /** Set at shutdown, after the last drain: failed writes are then given up, not retried. */
  private stopped = false;
  private setAside = 0;

  constructor(
    private readonly repository: AuditRepository,
    private readonly anchoring: AuditAnchoring,
    private readonly database: DatabaseAvailability,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.maxQueued = config.get('AUDIT_MAX_QUEUED_EVENTS', { infer: true });
  }

  enqueue(event: PendingAuditEvent): void {
    let queue = this.chains.get(event.chain);
    if (!queue) {
      queue = { items: [], inFlight: 0, writing: null };
      this.chains.set(event.chain, queue);
    }
    if (this.queued >= this.maxQueued) this.drop(queue, event);
    else {
      queue.items.push({ event });
      this.queued += 1;
    }
    if (!queue.writing) queue.writing = this.writeAll(event.chain, queue);
  }

  /** Events the database refused for their content since this instance started (health). */
  get eventsSetAside(): number {
    return this.setAside;
  }

  /** Resolves once every event recorded so far, in every chain, is stored (shutdown, tests). */
  async drain(): Promise<void> {
    for (;;) {
      const writing = [...this.chains.values()].map((queue) => queue.writing).filter(Boolean);
      if (writing.length === 0) return;
      await Promise.all(writing);
    }
  }

  /**
   * Waits for the events this instance has queued in one chain so far, so a read sees them, but
   * never longer than `maxWaitMs`: other tenants' traffic never delays it, and while the
   * database refuses writes a read answers with what is stored rather than hang.
   */
  async settle(chain: string, maxWaitMs: number): Promise<void> {
    const writing = this.chains.get(chain)?.writing;
    if (!writing) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      writing,
      new Promise((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.race([
      this.drain(),
      new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
    ]);
    // Writes still failing stop retrying: their timers would keep the process alive for good.
    this.stopped = true;
    if (this.queued > 0)
      this.logger.error(`${this.queued} audit events could not be written before shutdown`);
  }

  /** The queue is full: count the event into the gap marker at the chain's end. */
  private drop(queue: ChainQueue, event: PendingAuditEvent): void {
    const lastIndex = queue.items.length - 1;
    const last = queue.items[lastIndex];
    if (last?.dropped !== undefined && lastIndex >= queue.inFlight) last.dropped += 1;
    else queue.items.push({ event: gapMarker(event), dropped: 1, marker: true });
    if (Date.now() - this.lastDropLoggedAt >= DROP_LOG_EVERY_MS) {
      this.lastDropLoggedAt = Date.now();
      this.logger.error(
        `Audit queue full (${this.maxQueued} events waiting for the database): dropping events; ` +
          `each chain records how many in an ${AUDIT_ACTIONS.eventsDropped} event`,
      );
    }
  }

  private async writeAll(chain: string, queue: ChainQueue): Promise<void> {
    let attempt = 0;
    /** After a batch was refused for its content: items still to write one per INSERT. */
    let oneByOne = 0;
    /**
     * A batch whose write failed without the database saying why (the connection lost, no answer
     * in time): its COMMIT may have been applied all the same. It is looked up before its events
     * are written again, as their ids would collide on every retry.
     */
    let unsure: ChainedBatch | null = null;
    while (queue.items.length > 0) {
      if (queue.items.length < BATCH_SIZE && !unsure && oneByOne === 0 && !this.stopped) {
        await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      }
      const size = unsure ? unsure.events.length : oneByOne > 0 ? 1 : BATCH_SIZE;
      const batch = queue.items.slice(0, size);
      queue.inFlight = batch.length;
      let chained: ChainedBatch | null = null;
      try {
        if (unsure && (await this.repository.isStored(unsure.events[0].id))) {
          chained = unsure;
        } else {
          unsure = null;
          chained = await this.chainOnto(chain, batch.map(materialize));
          await this.repository.appendAll(chained.events, chained.move ?? undefined);
        }
      } catch (error) {
        if (isUniqueViolation(error) || error instanceof AnchorMovedError) {
          // Another instance took these seqs, or moved the anchor: re-read the head.
          queue.inFlight = 0;
          continue;
        }
        if (isDataError(error) || error instanceof UnchainableEventError) {
          // Find the event the database refuses; the marker set in its place takes its turn.
          queue.inFlight = 0;
          if (batch.length > 1) oneByOne = batch.length;
          else this.setAsideFirst(chain, queue, error);
          continue;
        }
        // Until it is known whether the batch was stored, its items stay as they are.
        unsure = chained ?? unsure;
        queue.inFlight = unsure ? batch.length : 0;
        if (this.stopped) break;
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 10));
        attempt += 1;
        // A database that cannot be reached is retried as soon as it answers again.
        const back = this.database.failed(error);
        this.logger.error(
          { err: error, chain, events: batch.length },
          `Audit write failed; retrying in ${delay} ms` +
            (back ? ' or as soon as the database answers again' : ''),
        );
        await retryAfter(delay, back);
        continue;
      }
      this.anchoring.written(chain, chained.move, chained.head, chained.anchor);
      attempt = 0;
      unsure = null;
      oneByOne = Math.max(0, oneByOne - batch.length);
      queue.inFlight = 0;
      queue.items.splice(0, batch.length);
      this.queued -= batch.filter((item) => !item.marker).length;
    }
    queue.writing = null;
    this.chains.delete(chain);
  }

  /** The chain's first queued event can never be written: a marker takes its place. */
  private setAsideFirst(chain: string, queue: ChainQueue, error: unknown): void {
    const [refused] = queue.items;
    this.setAside += 1;
    this.logger.error(
      { err: error, chain, event_id: refused.event.id, action: refused.event.action },
      `Audit event can never be written (the database refuses its content): set aside, ` +
        `${AUDIT_ACTIONS.eventSetAside} recorded in its place`,
    );
    if (refused.marker) {
      queue.items.shift(); // the writer's own marker refused: no marker for a marker
      return;
    }
    this.queued -= 1;
    queue.items[0] = {
      event: setAsideMarker(refused.event, databaseErrorCode(error)),
      marker: true,
    };
  }

  /**
   * Chains the events onto the head, with the anchor move to store with them. The head is read
   * before the anchor: a batch another instance committed in between makes the anchor look ahead
   * of the head, and this batch's seqs then collide with that one's, so it is retried.
   */
  private async chainOnto(chain: string, events: PendingAuditEvent[]): Promise<ChainedBatch> {
    const head = (await this.repository.head(chain)) ?? (await this.checkpointHead(chain));
    const anchor = await this.repository.anchor(chain);
    let last: ChainPoint = head;
    const chained = events.map((event) => {
      const seq = last.seq + 1;
      const prevHash = last.hash;
      const hash = chainedHash({ ...event, seq, prevHash });
      last = { seq, hash };
      return { ...event, seq, prevHash, hash };
    });
    const move = await this.anchoring.moveFor(chain, anchor, head, last);
    return { events: chained, head, anchor, move };
  }

  private async checkpointHead(chain: string): Promise<ChainPoint> {
    const checkpoint = await this.repository.checkpoint(chain);
    return checkpoint
      ? { seq: checkpoint.lastPrunedSeq, hash: checkpoint.lastPrunedHash }
      : GENESIS_POINT;
  }
}

/** Waits `delayMs`, or less if `sooner` resolves first. */
async function retryAfter(delayMs: number, sooner: Promise<void> | null): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise((resolve) => {
      timer = setTimeout(resolve, delayMs).unref();
    }),
    ...(sooner ? [sooner] : []),
  ]);
  clearTimeout(timer);
}

function chainedHash(event: Omit<AuditEvent, 'hash'>): string {
  try {
    return eventHash(chainedFields(event));
  } catch (error) {
    throw new UnchainableEventError(`Audit event ${event.id} cannot be hashed: ${String(error)}`);
  }
}

/** A queued item as it is written: a gap marker's count is fixed once it is being written. */
function materialize(item: Queued): PendingAuditEvent {
  return item.dropped === undefined
    ? item.event
    : { ...item.event, metadata: JSON.stringify({ dropped_events: item.dropped }) };
}

/** What the hash covers, from a stored (or about to be stored) event. */
export function chainedFields(event: Omit<AuditEvent, 'hash'>): ChainedFields {
  return {
    id: event.id,
    chain: event.chain,
    seq: event.seq,
    occurred_at: event.occurredAt.toISOString(),
    organization_id: event.organizationId,
    actor: {
      type: event.actorType,
      id: event.actorId,
      ip: event.actorIp,
      user_agent: event.actorUserAgent,
    },
    action: event.action,
    target: { type: event.targetType, id: event.targetId },
    outcome: event.outcome,
    request_id: event.requestId,
    metadata: JSON.parse(event.metadata) as Record<string, unknown>,
    prev_hash: event.prevHash,
  };
}
