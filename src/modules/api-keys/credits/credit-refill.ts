export const REFILL_INTERVALS = ['daily', 'monthly'] as const;
export type RefillInterval = (typeof REFILL_INTERVALS)[number];

/** A key's refill: its balance is set back to `amount` at the start of each period (UTC). */
export interface CreditRefill {
  readonly interval: RefillInterval;
  readonly amount: number;
  /** Monthly only: the day of the month (1..31), the month's last day when it has fewer; 1 by default. */
  readonly day: number | null;
}

const DAY_MS = 86_400_000;

/** Midnight (UTC) of `day` in the month `monthIndex` months after January of `year`, clamped. */
function monthDay(year: number, monthIndex: number, day: number): number {
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
  return Date.UTC(year, monthIndex, Math.min(day, lastDay));
}

/**
 * The refill period holding `at` (epoch ms): [start, end). Daily periods start at 00:00 UTC;
 * monthly ones at 00:00 UTC of the refill day (Unkey's `refillDay`).
 */
export function refillPeriodOf(refill: CreditRefill, at: number): { start: number; end: number } {
  if (refill.interval === 'daily') {
    const start = at - (((at % DAY_MS) + DAY_MS) % DAY_MS);
    return { start, end: start + DAY_MS };
  }
  const day = refill.day ?? 1;
  const date = new Date(at);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const thisMonth = monthDay(year, month, day);
  return at >= thisMonth
    ? { start: thisMonth, end: monthDay(year, month + 1, day) }
    : { start: monthDay(year, month - 1, day), end: thisMonth };
}

/**
 * A key's refill with its current period remembered: request-time code asks for the period on
 * every spend, and computes it (a Date for a monthly refill) only when a period has ended.
 */
export class RefillSchedule {
  private start = 0;
  private end = 0;

  constructor(readonly refill: CreditRefill) {}

  /** The start of the period holding `now`: a balance set before it is refilled. */
  periodStart(now: number): number {
    if (now < this.start || now >= this.end) {
      const period = refillPeriodOf(this.refill, now);
      this.start = period.start;
      this.end = period.end;
    }
    return this.start;
  }

  /** When the next refill comes after `now`. */
  nextRefillAt(now: number): number {
    this.periodStart(now);
    return this.end;
  }
}

/**
 * A stored balance as it stands at `now`: refilled when a period began since it was set. The
 * database holds the balance as last written; this is what it is worth now.
 */
export function balanceAt(
  remaining: number,
  setAt: number,
  refill: CreditRefill | null,
  now: number,
): { remaining: number; setAt: number } {
  if (refill === null) return { remaining, setAt };
  const start = refillPeriodOf(refill, now).start;
  return start > setAt ? { remaining: refill.amount, setAt: start } : { remaining, setAt };
}
