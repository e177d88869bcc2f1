import type { AuditAction } from './audit-actions';
import type { AuditRecord } from './audit-recorder.service';

/** A kind of event being counted: the event written when it opened, and how many came since. */
interface CountWindow {
  action: AuditAction;
  first: AuditRecord;
  openedAt: number;
  endsAt: number;
  counted: number;
  /** When the last one counted came. */
  lastAt: number;
}

/** Kinds of event counted at once, at most; past it, each event is written as it comes. */
const MAX_WINDOWS = 10_000;
/**
 * Kinds of one organization's events counted at once, at most: a tenant that makes up new kinds
 * (a new user agent per request, say) fills its own share, never the other tenants'. Past it,
 * its new kinds are written each event on its own, as past MAX_WINDOWS.
 */
const MAX_WINDOWS_PER_ORGANIZATION = 1_000;
/** How often ended windows are looked for (and their counts written). */
const SWEEP_MS = 1_000;

/**
 * Like events a caller repeats at machine speed, one audit row for many: a client looping on
 * client_credentials asks for thousands of tokens a second, and one hash-chained row each would
 * set the token endpoint's pace and grow the log by gigabytes an hour (issue #14). The first
 * event of a kind (its key: `countedKey`) is written at once with `count: 1`; like events within
 * the next `windowMs` are only counted; when the window ends, or sooner when the organization's
 * log is read or the instance stops (`flush`), one event stands for them: the first one's actor,
 * target and address, `count` (how many), `since` and `until` (when the first of the window and
 * the last counted came). The counts of an organization's events add up to every event, but for
 * a killed process (not one told to stop): its open counts are lost with it. A window of 0
 * writes each event alone.
 */
export class CountedEvents {
  private readonly windows = new Map<string, CountWindow>();
  /** How many of `windows` each organization holds. */
  private readonly openPerOrganization = new Map<string, number>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly write: (action: AuditAction, record: AuditRecord) => void,
    private readonly now: () => number = Date.now,
    private readonly maxWindows = MAX_WINDOWS,
    private readonly maxWindowsPerOrganization = MAX_WINDOWS_PER_ORGANIZATION,
  ) {}

  /** `record` is called only for an event that is written, not for one merely counted. */
  record(key: string, action: AuditAction, record: () => AuditRecord): void {
    const window = this.windows.get(key);
    if (window) {
      const now = this.now();
      if (now < window.endsAt) {
        window.counted += 1;
        window.lastAt = now;
        return;
      }
      this.close(key, window);
    }
    const first = record();
    this.write(action, withMetadata(first, { count: 1 }));
    if (this.windowMs > 0 && this.hasRoomFor(first)) this.open(key, action, first);
  }

  /** Writes what is counted so far of one organization's events. */
  flush(organizationId: string): void {
    for (const [key, window] of this.windows) {
      if (window.first.organizationId === organizationId) this.close(key, window);
    }
  }

  /** Writes everything counted so far (shutdown). */
  flushAll(): void {
    for (const [key, window] of this.windows) this.close(key, window);
  }

  private hasRoomFor(first: AuditRecord): boolean {
    const ofOrganization = this.openPerOrganization.get(organizationOf(first)) ?? 0;
    return this.windows.size < this.maxWindows && ofOrganization < this.maxWindowsPerOrganization;
  }

  private open(key: string, action: AuditAction, first: AuditRecord): void {
    const organization = organizationOf(first);
    this.openPerOrganization.set(
      organization,
      (this.openPerOrganization.get(organization) ?? 0) + 1,
    );
    const openedAt = this.now();
    this.windows.set(key, {
      action,
      first,
      openedAt,
      endsAt: openedAt + this.windowMs,
      counted: 0,
      lastAt: openedAt,
    });
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
      this.sweeper.unref();
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, window] of this.windows) {
      if (now >= window.endsAt) this.close(key, window);
    }
  }

  private close(key: string, window: CountWindow): void {
    this.windows.delete(key);
    const organization = organizationOf(window.first);
    const left = (this.openPerOrganization.get(organization) ?? 1) - 1;
    if (left > 0) this.openPerOrganization.set(organization, left);
    else this.openPerOrganization.delete(organization);
    if (this.windows.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
    if (window.counted === 0) return;
    const origin = window.first.origin ?? window.first.by?.origin;
    this.write(window.action, {
      ...withMetadata(window.first, {
        count: window.counted,
        since: new Date(window.openedAt).toISOString(),
        until: new Date(window.lastAt).toISOString(),
      }),
      // Many requests: none of them is this event's.
      origin: origin ? { ...origin, requestId: null } : undefined,
    });
  }
}

/** The organization whose share a kind takes (an instance-wide event: the instance's own). */
function organizationOf(record: AuditRecord): string {
  return record.organizationId ?? '';
}

function withMetadata(record: AuditRecord, extra: Record<string, unknown>): AuditRecord {
  return { ...record, metadata: { ...record.metadata, ...extra } };
}

/**
 * The key of a kind of counted event, from its parts (ids, scopes, address, user agent): a JSON
 * array, so that no two different lists of parts make one key (an IPv6 address and a user agent
 * both hold colons).
 */
export function countedKey(...parts: (string | null)[]): string {
  return JSON.stringify(parts);
}
