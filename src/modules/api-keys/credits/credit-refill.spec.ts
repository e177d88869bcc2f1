import { balanceAt, refillPeriodOf, RefillSchedule } from './credit-refill';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('refill periods (UTC)', () => {
  it('starts a daily period at midnight UTC and ends it at the next', () => {
    const period = refillPeriodOf(
      { interval: 'daily', amount: 5, day: null },
      at('2026-03-10T23:59:59.999Z'),
    );
    expect([iso(period.start), iso(period.end)]).toEqual([
      '2026-03-10T00:00:00.000Z',
      '2026-03-11T00:00:00.000Z',
    ]);
  });

  it('starts a monthly period on the first of the month by default', () => {
    const period = refillPeriodOf(
      { interval: 'monthly', amount: 5, day: null },
      at('2026-12-31T12:00:00.000Z'),
    );
    expect([iso(period.start), iso(period.end)]).toEqual([
      '2026-12-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ]);
  });

  it('starts a monthly period on its refill day, the last day of a shorter month', () => {
    const refill = { interval: 'monthly' as const, amount: 5, day: 31 };
    const inFebruary = refillPeriodOf(refill, at('2026-03-15T00:00:00.000Z'));
    expect([iso(inFebruary.start), iso(inFebruary.end)]).toEqual([
      '2026-02-28T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
    ]);
    const beforeTheDay = refillPeriodOf(
      { interval: 'monthly', amount: 5, day: 15 },
      at('2026-01-14T23:00:00.000Z'),
    );
    expect([iso(beforeTheDay.start), iso(beforeTheDay.end)]).toEqual([
      '2025-12-15T00:00:00.000Z',
      '2026-01-15T00:00:00.000Z',
    ]);
  });

  it('remembers its period until it ends', () => {
    const schedule = new RefillSchedule({ interval: 'daily', amount: 5, day: null });
    const noon = at('2026-03-10T12:00:00.000Z');
    expect(iso(schedule.periodStart(noon))).toBe('2026-03-10T00:00:00.000Z');
    expect(iso(schedule.nextRefillAt(noon))).toBe('2026-03-11T00:00:00.000Z');
    expect(iso(schedule.periodStart(at('2026-03-11T00:00:00.000Z')))).toBe(
      '2026-03-11T00:00:00.000Z',
    );
  });
});

describe('a stored balance as it stands now', () => {
  const daily = { interval: 'daily' as const, amount: 100, day: null };

  it('is refilled once a period began after it was set', () => {
    expect(balanceAt(0, at('2026-03-10T08:00:00Z'), daily, at('2026-03-11T00:00:01Z'))).toEqual({
      remaining: 100,
      setAt: at('2026-03-11T00:00:00Z'),
    });
  });

  it('is left as it is within its period, and without a refill', () => {
    const setAt = at('2026-03-10T08:00:00Z');
    expect(balanceAt(3, setAt, daily, at('2026-03-10T23:00:00Z'))).toEqual({
      remaining: 3,
      setAt,
    });
    expect(balanceAt(3, setAt, null, at('2027-01-01T00:00:00Z'))).toEqual({ remaining: 3, setAt });
  });
});
