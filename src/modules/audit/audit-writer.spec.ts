import type { ConfigService } from '@nestjs/config';
import fc from 'fast-check';
import type { EnvironmentVariables } from '../../config/env.schema';
import type { DatabaseAvailability } from '../../database/database-availability';
import type { AuditAnchor } from './audit-anchor.entity';
import type { ChainPoint } from './audit-anchor-signer';
import type { AuditAnchoring } from './audit-anchoring';
import { canonicalJson, eventHash } from './audit-chain';
import type { AuditEvent } from './audit-event.entity';
import {
  AuditWriter,
  canonicalEventJson,
  chainedFields,
  PendingAuditEvent,
  storedEventHash,
} from './audit-writer';
import type { AuditRepository } from './audit.repository';

const nullableText = fc.option(fc.string({ maxLength: 40 }), { nil: null });
const metadataValue = fc.jsonValue({ maxDepth: 3 });

/** Any event as stored: the hash of the fast serializer must be the generic walk's, always. */
const storedEvent: fc.Arbitrary<AuditEvent> = fc.record({
  id: fc.string({ maxLength: 40 }),
  chain: fc.string({ maxLength: 40 }),
  seq: fc.integer({ min: 0 }),
  occurredAt: fc.date({
    noInvalidDate: true,
    min: new Date('1970-01-01'),
    max: new Date('2200-01-01'),
  }),
  organizationId: nullableText,
  actorType: fc.string({ maxLength: 20 }),
  actorId: nullableText,
  actorIp: nullableText,
  actorUserAgent: nullableText,
  action: fc.string({ maxLength: 40 }),
  targetType: nullableText,
  targetId: nullableText,
  outcome: fc.constantFrom('success', 'failure', 'denied'),
  requestId: nullableText,
  metadata: fc
    .dictionary(fc.string({ maxLength: 12 }), metadataValue)
    .map((m) => JSON.stringify(m)),
  prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
  hash: fc.constant<string>(''),
});

describe('storedEventHash', () => {
  it('is the hash of the canonical JSON of the chained fields, for any event', () => {
    fc.assert(
      fc.property(storedEvent, (event) => {
        expect(canonicalEventJson(event)).toBe(canonicalJson(chainedFields(event)));
        expect(storedEventHash(event)).toBe(eventHash(chainedFields(event)));
      }),
      { numRuns: 500 },
    );
  });

  it('covers every field: changing any one changes the hash', () => {
    const event = fc.sample(storedEvent, { numRuns: 1, seed: 7 })[0];
    const base = storedEventHash(event);
    const changed: Partial<AuditEvent>[] = [
      { id: `${event.id}x` },
      { seq: event.seq + 1 },
      { occurredAt: new Date(event.occurredAt.getTime() + 1) },
      { actorIp: '203.0.113.9' },
      { metadata: JSON.stringify({ changed: true }) },
      { prevHash: 'f'.repeat(64) },
    ];
    for (const change of changed) expect(storedEventHash({ ...event, ...change })).not.toBe(base);
  });
});

/** A writer on fakes: every batch it appends is kept; `gate` holds appends until released. */
function writerOnFakes() {
  const appended: string[][] = [];
  let gate: Promise<void> | null = null;
  const repository = {
    head: async () => null,
    checkpoint: async () => null,
    anchor: async () => null,
    appendAll: async (events: AuditEvent[]) => {
      await gate;
      appended.push(events.map((event) => event.targetId ?? ''));
    },
  } as unknown as AuditRepository;
  const anchor = (seq: number) => ({ seq, hmac: `hmac-${seq}` }) as AuditAnchor;
  const anchoring = {
    moveFor: async (_chain: string, _current: unknown, _head: unknown, newHead: ChainPoint) => ({
      previous: null,
      next: anchor(newHead.seq),
    }),
    moveOn: (previous: AuditAnchor, _head: unknown, newHead: ChainPoint) => ({
      previous,
      next: anchor(newHead.seq),
    }),
    written: () => undefined,
  } as unknown as AuditAnchoring;
  const database = { failed: () => null } as unknown as DatabaseAvailability;
  const config = { get: () => 50_000 } as unknown as ConfigService<EnvironmentVariables, true>;
  const writer = new AuditWriter(repository, anchoring, database, config);
  const event = (target: string): PendingAuditEvent => ({
    id: `evt_${target}`,
    chain: 'org_1',
    occurredAt: new Date(0),
    organizationId: 'org_1',
    actorType: 'system',
    actorId: null,
    actorIp: null,
    actorUserAgent: null,
    action: 'api_key.updated',
    targetType: 'api_key',
    targetId: target,
    outcome: 'success',
    requestId: null,
    metadata: '{}',
  });
  return {
    writer,
    appended,
    record: (target: string) => writer.enqueue(event(target)),
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = null;
        release();
      };
    },
  };
}

describe('AuditWriter batches', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('lets a read wait for the events queued before it, without gathering, and not for later ones', async () => {
    const { writer, appended, record, hold } = writerOnFakes();
    record('a');
    record('b');
    let settled = false;
    const settling = writer.settle('org_1', 5_000).then(() => (settled = true));
    const release = hold();
    await jest.advanceTimersByTimeAsync(0); // no window: the batch is being written at once
    record('c'); // after the read began
    release();
    await settling;
    expect(appended).toEqual([['a', 'b']]);
    expect(settled).toBe(true);
    await jest.advanceTimersByTimeAsync(100);
    expect(appended).toEqual([['a', 'b'], ['c']]);
  });

  it('gathers longer while a stream keeps coming, up to 50 ms, and 10 ms again once it thins', async () => {
    const { writer, appended, record } = writerOnFakes();
    // 2,000 events/s for 400 ms: windows of 10, 20, 40, then 50 ms.
    for (let ms = 0; ms < 400; ms++) {
      record(`steady_${ms}_1`);
      record(`steady_${ms}_2`);
      await jest.advanceTimersByTimeAsync(1);
    }
    const sizes = appended.map((batch) => batch.length);
    expect(sizes.slice(0, 4)).toEqual([20, 40, 80, 100]);
    await writer.drain();
    appended.length = 0;
    // 50 events/s: one batch of the 50 ms window falls short, and windows are 10 ms again.
    for (let ms = 0; ms < 200; ms += 20) {
      record(`thin_${ms}`);
      await jest.advanceTimersByTimeAsync(20);
    }
    await writer.drain();
    expect(appended.slice(1).every((batch) => batch.length === 1)).toBe(true);
  });
});
