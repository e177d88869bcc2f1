import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../../config/env.schema';
import { DatabaseAvailability } from '../../database/database-availability';
import { databaseErrorCode, isDataError, isUniqueViolation } from '../../database/errors';
import { AUDIT_ACTIONS } from './audit-actions';
import { AuditEvent } from './audit-event.entity';
import { canonicalJson, ChainedFields } from './audit-chain';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { growingBound } from '../../common/cache/growing-bound';
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
/**
 * While a chain's events keep coming at this rate or more (per ms of the window: 200/s), its
 * window doubles after each batch up to MAX_GATHER_MS, so a batch's transaction, UPDATE and
 * commit are paid once per ~70 events instead of ~14 at 1,400 events/s (~15 instead of ~3 at
 * 300/s). Below it, the window is back to GATHER_MS at once. A read waiting for its events
 * (`settle`), `drain` and a full batch cut the window short; what it costs is that events stay
 * up to 50 ms in memory, where a killed process loses them.
 */
const STEADY_EVENTS_PER_MS = 0.2;
const MAX_GATHER_MS = 50;
/** Chains whose head (and window) this instance keeps between batches, at most (LRU). */
const KNOWN_CHAINS = 10_000;
/**
 * What the writer keeps of a chain between batches is forgotten after this long without one: its
 * head is read again, its window starts at GATHER_MS.
 */
const CHAIN_MEMORY_MS = 60_000;
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

/**
 * A chain's newest event and anchor as this instance stored them with its last batch: the next
 * batch is chained onto them without reading either. That batch's anchor move holds only if the
 * anchor is still this one and the event still stored (AnchorMove.onto), and its INSERT only if
 * no event took its seqs (the unique (chain, seq) index): whatever changed the chain meanwhile
 * (another instance, retention, an edit in the database) fails the write, which forgets the tip
 * and reads the chain again.
 */
interface ChainTip {
  head: ChainPoint;
  anchor: AuditAnchor;
}

interface ChainQueue {
  items: Queued[];
  /** How many of the first items the write loop is storing now (no longer to be changed). */
  inFlight: number;
  /** The chain's write loop, while one runs; it ends when the queue is empty. */
  writing: Promise<void> | null;
  /** Items ever pushed onto `items`, and ever taken off its front (stored or given up). */
  pushed: number;
  taken: number;
  /** Reads waiting until `taken` reaches `until` (`settle`): no gathering while there are any. */
  readers: { until: number; resolve: () => void }[];
  /** Ends the gathering window now, while one is open. */
  hurry: (() => void) | null;
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
  private readonly tips = new LRUCache<string, ChainTip>({
    ...growingBound(KNOWN_CHAINS),
    ttl: CHAIN_MEMORY_MS,
  });
  /**
   * The gathering window of chains in a steady stream (others: GATHER_MS). Kept apart from the
   * write loop, which ends whenever a write leaves the queue empty, as it often does between
   * the requests of a steady stream.
   */
  private readonly windows = new LRUCache<string, number>({
    ...growingBound(KNOWN_CHAINS),
    ttl: CHAIN_MEMORY_MS,
  });
  private readonly maxQueued: number;
  /** Real events queued (gap markers are not counted: at most one per chain at a time). */
  private queued = 0;
  private lastDropLoggedAt = 0;
  /** Drains under way: no chain gathers while one is. */
  private draining = 0;
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
      queue = {
        items: [],
        inFlight: 0,
        writing: null,
        pushed: 0,
        taken: 0,
        readers: [],
        hurry: null,
      };
      this.chains.set(event.chain, queue);
    }
    if (this.queued >= this.maxQueued) this.drop(queue, event);
    else {
      queue.items.push({ event });
      queue.pushed += 1;
      this.queued += 1;
      if (queue.items.length >= BATCH_SIZE) queue.hurry?.();
    }
    if (!queue.writing) queue.writing = this.writeAll(event.chain, queue);
  }

  /** Events the database refused for their content since this instance started (health). */
  get eventsSetAside(): number {
    return this.setAside;
  }

  /**
   * Resolves once every event recorded so far, in every chain, is stored (shutdown, tests); no
   * chain gathers meanwhile.
   */
  async drain(): Promise<void> {
    this.draining += 1;
    try {
      for (;;) {
        const queues = [...this.chains.values()].filter((queue) => queue.writing);
        if (queues.length === 0) return;
        for (const queue of queues) queue.hurry?.();
        await Promise.all(queues.map((queue) => queue.writing));
      }
    } finally {
      this.draining -= 1;
    }
  }

  /**
   * Waits for the events this instance has queued in one chain so far, so a read sees them, but
   * never longer than `maxWaitMs`: other tenants' traffic never delays it, and while the
   * database refuses writes a read answers with what is stored rather than hang. The chain's
   * writer stops gathering until they are stored, and events queued after them are not waited
   * for: a steady stream into the chain delays the read by a write or two, not a window.
   */
  async settle(chain: string, maxWaitMs: number): Promise<void> {
    const queue = this.chains.get(chain);
    if (!queue?.writing || queue.taken >= queue.pushed) return;
    const reader = { until: queue.pushed, resolve: () => {} };
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        reader.resolve = resolve;
        queue.readers.push(reader);
        queue.hurry?.();
      }),
      new Promise((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
      }),
    ]);
    clearTimeout(timer);
    const waiting = queue.readers.indexOf(reader);
    if (waiting >= 0) queue.readers.splice(waiting, 1);
  }

  /**
   * At shutdown: writes what is queued, for at most 5 s. Called by FinalAuditWrites while the
   * database is still open (this module's own shutdown hook comes after TypeORM's), and again
   * here, where it finds nothing left.
   */
  async finish(): Promise<void> {
    await Promise.race([
      this.drain(),
      new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
    ]);
    // Writes still failing stop retrying: their timers would keep the process alive for good.
    this.stopped = true;
    if (this.queued > 0)
      this.logger.error(`${this.queued} audit events could not be written before shutdown`);
  }

  onApplicationShutdown(): Promise<void> {
    return this.finish();
  }

  /** The queue is full: count the event into the gap marker at the chain's end. */
  private drop(queue: ChainQueue, event: PendingAuditEvent): void {
    const lastIndex = queue.items.length - 1;
    const last = queue.items[lastIndex];
    if (last?.dropped !== undefined && lastIndex >= queue.inFlight) last.dropped += 1;
    else {
      queue.items.push({ event: gapMarker(event), dropped: 1, marker: true });
      queue.pushed += 1;
    }
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
    let gatherMs = this.windows.get(chain) ?? GATHER_MS;
    while (queue.items.length > 0) {
      /** Whether the batch gathered for the whole window (not cut short, not written at once). */
      let gathered = false;
      if (
        queue.items.length < BATCH_SIZE &&
        !unsure &&
        oneByOne === 0 &&
        !this.stopped &&
        queue.readers.length === 0 &&
        this.draining === 0
      ) {
        gathered = await gather(queue, gatherMs);
      }
      const size = unsure ? unsure.events.length : oneByOne > 0 ? 1 : BATCH_SIZE;
      const batch = queue.items.slice(0, size);
      queue.inFlight = batch.length;
      let chained: ChainedBatch | null = null;
      /** Whether this batch was written now, not found stored after an unsure write. */
      let written = false;
      try {
        if (unsure && (await this.repository.isStored(unsure.events[0].id))) {
          chained = unsure;
        } else {
          unsure = null;
          chained = await this.chainOnto(chain, batch.map(materialize));
          await this.repository.appendAll(chained.events, chained.move ?? undefined);
          written = true;
        }
      } catch (error) {
        this.tips.delete(chain);
        if (isUniqueViolation(error) && chained && (await this.storedAfterAll(chained))) {
          // This batch's own ids: an earlier attempt's COMMIT landed after its lookup said it
          // had not. Written, not a conflict: retried, it would collide with itself forever.
          // (The head and anchor are read again: this chaining's are not what was stored.)
          this.keepTip(chain, null);
          attempt = 0;
          unsure = null;
          queue.inFlight = 0;
          queue.items.splice(0, batch.length);
          this.queued -= batch.filter((item) => !item.marker).length;
          taken(queue, batch.length);
          continue;
        }
        if (isUniqueViolation(error) || error instanceof AnchorMovedError) {
          // Another instance took these seqs, or moved the anchor: re-read the head.
          queue.inFlight = 0;
          if (this.stopped) break;
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
      this.keepTip(chain, written ? chained : null);
      attempt = 0;
      unsure = null;
      oneByOne = Math.max(0, oneByOne - batch.length);
      queue.inFlight = 0;
      queue.items.splice(0, batch.length);
      this.queued -= batch.filter((item) => !item.marker).length;
      taken(queue, batch.length);
      if (gathered) {
        const steady = batch.length >= gatherMs * STEADY_EVENTS_PER_MS;
        gatherMs = steady ? Math.min(MAX_GATHER_MS, gatherMs * 2) : GATHER_MS;
        if (steady) this.windows.set(chain, gatherMs);
        else this.windows.delete(chain);
      }
    }
    queue.writing = null;
    this.chains.delete(chain);
    // Stopped with events left (shutdown): they will not be written by this loop.
    for (const reader of queue.readers.splice(0)) reader.resolve();
  }

  /** Whether `batch`'s first event is stored (false when the lookup itself fails). */
  private async storedAfterAll(batch: ChainedBatch): Promise<boolean> {
    return this.repository.isStored(batch.events[0].id).catch(() => false);
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
      taken(queue, 1);
      return;
    }
    this.queued -= 1;
    queue.items[0] = {
      event: setAsideMarker(refused.event, databaseErrorCode(error)),
      marker: true,
    };
  }

  /**
   * After a batch: its newest event and anchor are where the next batch goes, if it was written
   * now and moved the anchor. Not after an unsure write found stored later, nor for a chain that
   * no longer matches its anchor (no move): its anchor is read for every batch, so that once it
   * can be anchored again (its anchor row deleted, say) its next batch is.
   */
  private keepTip(chain: string, batch: ChainedBatch | null): void {
    if (!batch?.move) {
      this.tips.delete(chain);
      return;
    }
    const newest = batch.events[batch.events.length - 1];
    this.tips.set(chain, {
      head: { seq: newest.seq, hash: newest.hash },
      anchor: batch.move.next,
    });
  }

  /**
   * Chains the events onto the head, with the anchor move to store with them: the tip this
   * instance stored last (ChainTip), or else the head and anchor read now. The head is read
   * before the anchor: a batch another instance committed in between makes the anchor look ahead
   * of the head, and this batch's seqs then collide with that one's, so it is retried.
   */
  private async chainOnto(chain: string, events: PendingAuditEvent[]): Promise<ChainedBatch> {
    const tip = this.tips.get(chain);
    const head =
      tip?.head ?? (await this.repository.head(chain)) ?? (await this.checkpointHead(chain));
    const anchor = tip ? tip.anchor : await this.repository.anchor(chain);
    let last: ChainPoint = head;
    const chained = events.map((event) => {
      const placed = placedInChain(event, last);
      placed.hash = chainedHash(placed);
      last = { seq: placed.seq, hash: placed.hash };
      return placed;
    });
    const move = tip
      ? this.anchoring.moveOn(tip.anchor, head, last)
      : await this.anchoring.moveFor(chain, anchor, head, last);
    return { events: chained, head, anchor, move };
  }

  private async checkpointHead(chain: string): Promise<ChainPoint> {
    const checkpoint = await this.repository.checkpoint(chain);
    return checkpoint
      ? { seq: checkpoint.lastPrunedSeq, hash: checkpoint.lastPrunedHash }
      : GENESIS_POINT;
  }
}

/**
 * Lets a chain's events gather for `windowMs`, or less if the window is cut short (`hurry`);
 * true if it ran its whole length.
 */
function gather(queue: ChainQueue, windowMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const end = (whole: boolean) => {
      clearTimeout(timer);
      queue.hurry = null;
      resolve(whole);
    };
    const timer = setTimeout(() => end(true), windowMs);
    queue.hurry = () => end(false);
  });
}

/** `count` items were taken off the front of the queue: reads waiting for them go on. */
function taken(queue: ChainQueue, count: number): void {
  queue.taken += count;
  if (queue.readers.length === 0) return;
  const done = queue.readers.filter((reader) => reader.until <= queue.taken);
  queue.readers = queue.readers.filter((reader) => reader.until > queue.taken);
  for (const reader of done) reader.resolve();
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
    return storedEventHash(event);
  } catch (error) {
    throw new UnchainableEventError(`Audit event ${event.id} cannot be hashed: ${String(error)}`);
  }
}

/**
 * The event placed after `last`, its hash still to be set. Written out field by field: spreading
 * the event was a tenth of the CPU of writing one (a token endpoint audits every issuance).
 */
function placedInChain(event: PendingAuditEvent, last: ChainPoint): AuditEvent {
  return {
    id: event.id,
    chain: event.chain,
    seq: last.seq + 1,
    occurredAt: event.occurredAt,
    organizationId: event.organizationId,
    actorType: event.actorType,
    actorId: event.actorId,
    actorIp: event.actorIp,
    actorUserAgent: event.actorUserAgent,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    outcome: event.outcome,
    requestId: event.requestId,
    metadata: event.metadata,
    prevHash: last.hash,
    hash: '',
  };
}

/** A queued item as it is written: a gap marker's count is fixed once it is being written. */
function materialize(item: Queued): PendingAuditEvent {
  return item.dropped === undefined
    ? item.event
    : { ...item.event, metadata: JSON.stringify({ dropped_events: item.dropped }) };
}

/**
 * What the hash covers, from a stored (or about to be stored) event. `metadataOf` reads the
 * stored JSON: strictly for hashing (a row whose metadata is no JSON throws, and verification
 * finds its chain broken), leniently for showing it (readableMetadata).
 */
export function chainedFields(
  event: Omit<AuditEvent, 'hash'>,
  metadataOf: (json: string) => Record<string, unknown> = parseMetadata,
): ChainedFields {
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
    metadata: metadataOf(event.metadata),
    prev_hash: event.prevHash,
  };
}

function parseMetadata(json: string): Record<string, unknown> {
  return JSON.parse(json) as Record<string, unknown>;
}

/**
 * A stored event's metadata to show: `{"unreadable": true}` where the row holds no JSON object
 * (changed outside Tessera; verification reports its chain broken), so one bad row does not
 * fail a whole page or export.
 */
export function readableMetadata(json: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Shown as unreadable below.
  }
  return { unreadable: true };
}

/**
 * `eventHash(chainedFields(event))`, written out in canonical key order without building the
 * object and sorting its keys: every event written or verified is hashed, and the generic
 * walk was a fifth of the cost of writing one (audit-writer.spec.ts holds the two equal).
 */
export function storedEventHash(event: Omit<AuditEvent, 'hash'>): string {
  return createHash('sha256').update(canonicalEventJson(event)).digest('hex');
}

/** `canonicalJson(chainedFields(event))`: keys in code-unit order, undefined members left out. */
export function canonicalEventJson(event: Omit<AuditEvent, 'hash'>): string {
  let actor = member('', 'id', event.actorId);
  actor = member(actor, 'ip', event.actorIp);
  actor = member(actor, 'type', event.actorType);
  actor = member(actor, 'user_agent', event.actorUserAgent);
  const target = member(member('', 'id', event.targetId), 'type', event.targetType);
  let text = member('', 'action', event.action);
  text = serializedMember(text, 'actor', `{${actor}}`);
  text = member(text, 'chain', event.chain);
  text = member(text, 'id', event.id);
  text = serializedMember(text, 'metadata', canonicalMetadata(event.metadata));
  text = member(text, 'occurred_at', event.occurredAt.toISOString());
  text = member(text, 'organization_id', event.organizationId);
  text = member(text, 'outcome', event.outcome);
  text = member(text, 'prev_hash', event.prevHash);
  text = member(text, 'request_id', event.requestId);
  text = member(text, 'seq', event.seq);
  text = serializedMember(text, 'target', `{${target}}`);
  return `{${text}}`;
}

/** `text` (members so far) and `"key":value`, unless the value is undefined. */
function member(text: string, key: string, value: unknown): string {
  return value === undefined ? text : serializedMember(text, key, JSON.stringify(value));
}

function serializedMember(text: string, key: string, json: string): string {
  return text === '' ? `"${key}":${json}` : `${text},"${key}":${json}`;
}

/** Metadata this short is canonicalized once per text (the same few shapes recur: issuances). */
const CACHED_METADATA_LENGTH = 256;
const CACHED_METADATA_TEXTS = 1_024;
const canonicalMetadataByText = new Map<string, string>();

/** The canonical JSON of an event's metadata (stored as JSON.stringify wrote it). */
function canonicalMetadata(json: string): string {
  if (json.length > CACHED_METADATA_LENGTH) return canonicalJson(JSON.parse(json));
  let canonical = canonicalMetadataByText.get(json);
  if (canonical === undefined) {
    canonical = canonicalJson(JSON.parse(json));
    if (canonicalMetadataByText.size >= CACHED_METADATA_TEXTS) canonicalMetadataByText.clear();
    canonicalMetadataByText.set(json, canonical);
  }
  return canonical;
}
