import { AUDIT_ACTIONS, AuditAction } from './audit-actions';
import type { AuditRecord } from './audit-recorder.service';
import { CountedEvents, countedKey } from './counted-events';

const ISSUED = AUDIT_ACTIONS.oauthTokenIssued;
/** What each recorded issuance says, before the counts. */
const ISSUANCE = { grant_type: 'client_credentials', scopes: 'translate:read' };

/** Every CountedEvents a test made: their windows are closed after it (their sweep timers). */
const made: CountedEvents[] = [];
afterEach(() => {
  for (const counted of made.splice(0)) counted.flushAll();
});

/** CountedEvents on a clock the test moves, keeping what it writes. */
function counting(windowMs = 10_000, maxWindows?: number, maxWindowsPerOrganization?: number) {
  let now = Date.parse('2026-12-07T10:00:00.000Z');
  const written: { action: AuditAction; record: AuditRecord }[] = [];
  const counted = new CountedEvents(
    windowMs,
    (action, record) => written.push({ action, record }),
    () => now,
    maxWindows,
    maxWindowsPerOrganization,
  );
  made.push(counted);
  const issuance = (organizationId: string, requestId: string) => (): AuditRecord => ({
    organizationId,
    actor: { type: 'oauth_client', id: 'cli_1' },
    origin: { ip: '203.0.113.7', userAgent: 'pipeline/1.0', requestId },
    target: { type: 'oauth_client', id: 'cli_1' },
    metadata: { ...ISSUANCE },
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { counted, written, issuance, advance };
}

const sumOfCounts = (written: { record: AuditRecord }[]) =>
  written.reduce((sum, { record }) => sum + Number(record.metadata?.count), 0);

describe('CountedEvents', () => {
  it('writes the first event at once and one event for the like ones after it', () => {
    const { counted, written, issuance, advance } = counting();
    counted.record('k', ISSUED, issuance('org_a', 'req-1'));
    expect(written).toHaveLength(1);
    expect(written[0].record.metadata).toEqual({ ...ISSUANCE, count: 1 });
    expect(written[0].record.origin?.requestId).toBe('req-1');

    for (let i = 2; i <= 500; i++) {
      advance(10);
      counted.record('k', ISSUED, issuance('org_a', `req-${i}`));
    }
    expect(written).toHaveLength(1);

    advance(6_000); // the window (10 s from the first) has ended
    counted.record('k', ISSUED, issuance('org_a', 'req-501'));
    expect(written).toHaveLength(3);
    expect(written[1].record.metadata).toEqual({
      ...ISSUANCE,
      count: 499,
      since: '2026-12-07T10:00:00.000Z',
      until: '2026-12-07T10:00:04.990Z',
    });
    // It stands for 499 requests: none is named, the address is still the one they came from.
    expect(written[1].record.origin).toEqual({
      ip: '203.0.113.7',
      userAgent: 'pipeline/1.0',
      requestId: null,
    });
    expect(written[2].record.metadata?.count).toBe(1);
    expect(sumOfCounts(written)).toBe(501);
  });

  it('counts each kind apart', () => {
    const { counted, written, issuance } = counting();
    for (let i = 0; i < 3; i++) {
      counted.record('client-1', ISSUED, issuance('org_a', 'r'));
      counted.record('client-2', ISSUED, issuance('org_a', 'r'));
    }
    expect(written).toHaveLength(2);
    counted.flushAll();
    expect(written).toHaveLength(4);
    expect(written.map(({ record }) => record.metadata?.count)).toEqual([1, 1, 2, 2]);
  });

  it("writes an organization's counts when its log is read, and no other organization's", () => {
    const { counted, written, issuance } = counting();
    for (let i = 0; i < 4; i++) {
      counted.record('a', ISSUED, issuance('org_a', 'r'));
      counted.record('b', ISSUED, issuance('org_b', 'r'));
    }
    counted.flush('org_a');
    expect(written.map(({ record }) => [record.organizationId, record.metadata?.count])).toEqual([
      ['org_a', 1],
      ['org_b', 1],
      ['org_a', 3],
    ]);
    // The next one opens a new window: written at once.
    counted.record('a', ISSUED, issuance('org_a', 'r'));
    expect(written).toHaveLength(4);
  });

  it('writes nothing more for a window in which nothing else came', () => {
    const { counted, written, issuance, advance } = counting();
    counted.record('k', ISSUED, issuance('org_a', 'r'));
    advance(20_000);
    counted.flushAll();
    counted.record('k', ISSUED, issuance('org_a', 'r'));
    expect(written.map(({ record }) => record.metadata?.count)).toEqual([1, 1]);
  });

  it('builds no event for one it only counts', () => {
    const { counted, issuance } = counting();
    let built = 0;
    const event = issuance('org_a', 'r');
    for (let i = 0; i < 1_000; i++) {
      counted.record('k', ISSUED, () => {
        built += 1;
        return event();
      });
    }
    expect(built).toBe(1);
  });

  it('past its bound of kinds, writes each event of a new kind on its own, losing none', () => {
    const { counted, written, issuance } = counting(10_000, 2);
    for (let i = 0; i < 3; i++) {
      for (const kind of ['a', 'b', 'c']) counted.record(kind, ISSUED, issuance('org_a', 'r'));
    }
    // a and b are counted; c, past the bound, is written every time.
    expect(written).toHaveLength(2 + 3);
    counted.flushAll();
    expect(sumOfCounts(written)).toBe(9);
  });

  it("past an organization's share of kinds, writes its new kinds on their own, and still counts the others'", () => {
    const { counted, written, issuance } = counting(10_000, 100, 2);
    for (let i = 0; i < 3; i++) {
      for (const kind of ['a1', 'a2', 'a3']) counted.record(kind, ISSUED, issuance('org_a', 'r'));
      counted.record('b1', ISSUED, issuance('org_b', 'r'));
    }
    // org_a's a1 and a2 are counted, a3 is written every time; org_b's b1 is counted.
    const ofA = written.filter(({ record }) => record.organizationId === 'org_a');
    expect(ofA).toHaveLength(2 + 3);
    expect(written.filter(({ record }) => record.organizationId === 'org_b')).toHaveLength(1);
    counted.flushAll();
    expect(sumOfCounts(written)).toBe(12);
    // Once its windows are closed, the organization's share is free again.
    counted.record('a3', ISSUED, issuance('org_a', 'r'));
    counted.record('a3', ISSUED, issuance('org_a', 'r'));
    counted.flushAll();
    expect(written.filter(({ record }) => record.organizationId === 'org_a')).toHaveLength(
      2 + 3 + 2 + 2,
    );
  });

  it('keys its kinds so that no two lists of parts collide', () => {
    // An IPv6 address and a user agent both hold colons.
    expect(countedKey('cli_1', '2001:db8::1', '2:x')).not.toBe(
      countedKey('cli_1', '2001:db8::1:2', 'x'),
    );
    expect(countedKey('cli_1', null)).not.toBe(countedKey('cli_1', 'null'));
  });

  it('with a window of 0, writes every event on its own', () => {
    const { counted, written, issuance } = counting(0);
    for (let i = 0; i < 5; i++) counted.record('k', ISSUED, issuance('org_a', `req-${i}`));
    counted.flushAll();
    expect(written).toHaveLength(5);
    expect(written.every(({ record }) => record.metadata?.count === 1)).toBe(true);
  });

  it('writes the count when the window ends, with no later event to carry it', () => {
    jest.useFakeTimers({ now: Date.parse('2026-12-07T10:00:00.000Z') });
    try {
      const written: AuditRecord[] = [];
      const counted = new CountedEvents(10_000, (_action, record) => written.push(record));
      const event = (): AuditRecord => ({ organizationId: 'org_a', metadata: {} });
      for (let i = 0; i < 7; i++) counted.record('k', ISSUED, event);
      jest.advanceTimersByTime(9_000);
      expect(written).toHaveLength(1);
      jest.advanceTimersByTime(2_000);
      expect(written.map((record) => record.metadata?.count)).toEqual([1, 6]);
      // Nothing left open: the sweep stops with it.
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
