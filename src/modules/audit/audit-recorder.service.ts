import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../../common/auth/principal';
import { prefixedId } from '../../common/ids';
import type { RequestOrigin } from '../../common/http/request-origin';
import { AUDIT_ACTIONS, AuditAction, AuditOutcome } from './audit-actions';
import { withoutSecrets } from './audit-chain';
import { fittedToColumns } from './audit-columns';
import { AuditWriter } from './audit-writer';
import { growingBound } from '../../common/cache/growing-bound';
import type { EnvironmentVariables } from '../../config/env.schema';
import { CountedEvents } from './counted-events';

export const INSTANCE_CHAIN = 'instance';

export interface AuditRecord {
  /** The organization the event belongs to; null for instance-level events (unknown email). */
  organizationId: string | null;
  /** The authenticated caller: the actor, and (through `origin`) IP, user agent and request id. */
  by?: Principal;
  /** Where the request came from, when there is no authenticated caller (login, refresh). */
  origin?: RequestOrigin;
  target?: { type: string; id: string | null };
  outcome?: AuditOutcome;
  metadata?: Record<string, unknown>;
  /** Who acted, when it is not `by` (e.g. the user a login is for). */
  actor?: { type: string; id: string | null };
}

/** One sampled window: when it ends, and how many like events were left out in it. */
interface SampleWindow {
  endsAt: number;
  suppressed: number;
}

const SAMPLE_WINDOW_MS = 60_000;

/**
 * The one way domain code records a security event. Actor, IP, user agent and request id come
 * from the caller (`by`, its `origin`) or are given; secrets are stripped from metadata whatever
 * the caller passes.
 */
@Injectable()
export class AuditRecorder {
  private readonly samples = new LRUCache<string, SampleWindow>({
    ...growingBound(50_000),
    ttl: 10 * SAMPLE_WINDOW_MS,
  });
  private readonly counted: CountedEvents;

  constructor(
    private readonly writer: AuditWriter,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    const windowSeconds = config.get('AUDIT_MACHINE_TOKEN_WINDOW_SECONDS', { infer: true });
    this.counted = new CountedEvents(windowSeconds * 1000, (action, record) =>
      this.record(action, record),
    );
  }

  record(action: AuditAction, record: AuditRecord): void {
    const actor = record.actor ?? actorOf(record.by);
    const origin = record.origin ?? record.by?.origin;
    // Fitted here, once, so that no field can make the row unwritable (see AuditWriter).
    this.writer.enqueue(
      fittedToColumns({
        id: prefixedId('evt'),
        chain: record.organizationId ?? INSTANCE_CHAIN,
        occurredAt: new Date(),
        organizationId: record.organizationId,
        actorType: actor.type,
        actorId: actor.id,
        actorIp: origin?.ip ?? null,
        actorUserAgent: origin?.userAgent ?? null,
        action,
        targetType: record.target?.type ?? null,
        targetId: record.target?.id ?? null,
        outcome: record.outcome ?? 'success',
        requestId: origin?.requestId ?? null,
        metadata: JSON.stringify(withoutSecrets(record.metadata ?? {})),
      }),
    );
  }

  /** A caller refused for a missing scope or permission (sampled). */
  recordDenied(principal: Principal, detail: { route: string } & Record<string, string>): void {
    this.recordSampled(deniedKey(principal, detail), AUDIT_ACTIONS.accessDenied, () => ({
      organizationId: principal.organizationId,
      by: principal,
      outcome: 'denied',
      metadata: detail,
    }));
  }

  /**
   * For events an attacker can produce at will (refused keys, denied scopes, rate limits): the
   * first of a kind per minute is written, carrying the count of like events left out in the
   * previous window, so a flood cannot flood the log and the total stays known. The event is
   * made (`record`) only when it is written: a left-out one costs a look-up and a count, as
   * these run on every refused request (issue #21).
   */
  recordSampled(sampleKey: string, action: AuditAction, record: () => AuditRecord): void {
    const now = Date.now();
    const window = this.samples.get(sampleKey);
    if (window && now < window.endsAt) {
      window.suppressed += 1;
      return;
    }
    this.samples.set(sampleKey, { endsAt: now + SAMPLE_WINDOW_MS, suppressed: 0 });
    const event = record();
    this.record(action, {
      ...event,
      metadata: {
        ...event.metadata,
        sampled: true,
        sample_window_seconds: SAMPLE_WINDOW_MS / 1000,
        suppressed_in_previous_window: window?.suppressed ?? 0,
      },
    });
  }

  /**
   * For events a caller repeats at machine speed and that must all be counted (a machine's own
   * tokens): one event per kind (`key`) and AUDIT_MACHINE_TOKEN_WINDOW_SECONDS, with `count`
   * (CountedEvents). `record` is called only for an event that is written.
   */
  recordCounted(key: string, action: AuditAction, record: () => AuditRecord): void {
    this.counted.record(key, action, record);
  }

  /** Writes the counts still open of an organization's events (a read of its log is about to). */
  flushCounted(organizationId: string): void {
    this.counted.flush(organizationId);
  }

  /** Writes every count still open (shutdown: FinalAuditWrites). */
  flushAllCounted(): void {
    this.counted.flushAll();
  }
}

/**
 * A missing scope or permission: sampled per organization, caller and what was missing. Without
 * the organization, a denial written to one organization's log silenced the same denial in
 * another's for the window, and its count went to the first.
 */
function deniedKey(principal: Principal, detail: Record<string, string>): string {
  return `denied:${principal.organizationId ?? '-'}:${principal.subject}:${Object.values(detail).join(':')}`;
}

function actorOf(principal: Principal | undefined): { type: string; id: string | null } {
  return principal
    ? { type: principal.type, id: principal.subject }
    : { type: 'anonymous', id: null };
}
