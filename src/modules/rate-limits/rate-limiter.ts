import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../common/auth/principal';
import { RateLimitRefusal, RequestRateLimiter } from '../../common/auth/request-rate-limiter';
import { TooManyRequestsError } from '../../common/errors/api-errors';
import { clientAddressOf } from '../../common/http/client-address';
import { clientNetworkOf } from '../../common/http/client-network';
import { originOf } from '../../common/http/request-origin';
import { Clock } from '../../common/time/clock';
import { EnvironmentVariables } from '../../config/env.schema';
import { ApiKeyUsageRecorder } from '../api-keys/api-key-usage.recorder';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditRecorder } from '../audit/audit-recorder.service';
import { WindowCount, WindowLimit } from './calendar-window';
import {
  IetfRateLimitFields,
  RATE_LIMIT_HEADER,
  RATE_LIMIT_POLICY_HEADER,
} from './ietf-rate-limit-headers';
import { OrganizationLimitsCache } from './organization-limits.cache';
import { ResilientThrottlerStorage } from './resilient-throttler.storage';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/**
 * On a route counting per named tracker (@RateLimitTracker), the client's network still has a
 * ceiling of this many times the public limit: a caller making up a new client_id per request
 * gets no more than that, while up to this many clients behind one NAT each keep their own limit.
 */
const NAMED_TRACKER_NETWORK_FACTOR = 20;
/** A longer tracker (a client_id is the client's to choose) is counted by its address instead. */
const MAX_TRACKER_LENGTH = 255;

function organizationLimit(organizationId: string, perMinute: number): Limit {
  return { name: 'organization', tracker: organizationId, limit: perMinute, windowMs: MINUTE_MS };
}

/** 'organization', 'api_key', 'ip', 'network_ceiling' or a route's tracker (@RateLimitTracker). */
type Limit = WindowLimit;

/**
 * Rate limits through @nestjs/throttler's storage, with windows aligned to the calendar (the
 * minute for plans and client IPs, the hour for API keys, so an hourly key limit resets on the
 * hour). Limits that apply: the organization's plan per minute, the API key's own hourly limit,
 * and for unauthenticated routes the client IP (or what the route names, @RateLimitTracker).
 * X-RateLimit-* describe the tightest one; so does the IETF RateLimit field, beside a
 * RateLimit-Policy listing every limit that applies (ietf-rate-limit-headers.ts; off with
 * RATE_LIMIT_IETF_HEADERS=false). Routes opt out with `skipRateLimit` in @Access or @Public
 * (the access guard then never calls this). Hot path: a request's counters are one Redis round
 * trip together (or a Map lookup each); plan limits and key limits come from in-memory caches.
 */
@Injectable()
export class RateLimiter extends RequestRateLimiter {
  private readonly publicPerMinute: number;
  private readonly enabled: boolean;
  /** Null when RATE_LIMIT_IETF_HEADERS is off. */
  private readonly ietfFields: IetfRateLimitFields | null;

  constructor(
    @InjectThrottlerStorage() private readonly storage: ResilientThrottlerStorage,
    private readonly organizationLimits: OrganizationLimitsCache,
    private readonly usage: ApiKeyUsageRecorder,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    super();
    this.publicPerMinute = config.get('PUBLIC_RATE_LIMIT_PER_MINUTE', { infer: true });
    this.enabled = config.get('RATE_LIMITS_ENABLED', { infer: true });
    this.ietfFields = config.get('RATE_LIMIT_IETF_HEADERS', { infer: true })
      ? new IetfRateLimitFields()
      : null;
  }

  /** Synchronous when the limits are cached and counted in memory (no promise on the hot path). */
  enforce(
    request: FastifyRequest,
    reply: FastifyReply,
  ): RateLimitRefusal | Promise<RateLimitRefusal> {
    if (!this.enabled) return;
    const limits = this.limitsFor(request);
    return limits instanceof Promise
      ? limits.then((loaded) => this.count(loaded, request, reply))
      : this.count(limits, request, reply);
  }

  private count(
    limits: Limit[],
    request: FastifyRequest,
    reply: FastifyReply,
  ): RateLimitRefusal | Promise<RateLimitRefusal> {
    if (limits.length === 0) return;
    const now = this.clock.now();
    // With Redis, every counter of the request in one round trip.
    const counted = this.storage.count(limits, now);
    return counted instanceof Promise
      ? counted.then((counts) => this.decide(limits, counts, request, reply, now))
      : this.decide(limits, counted, request, reply, now);
  }

  private decide(
    limits: Limit[],
    counts: WindowCount[],
    request: FastifyRequest,
    reply: FastifyReply,
    now: number,
  ): RateLimitRefusal {
    let tightest = 0;
    let blocked = -1;
    for (let i = 0; i < limits.length; i++) {
      const count = counts[i];
      const best = counts[tightest];
      if (
        count.remaining < best.remaining ||
        (count.remaining === best.remaining && limits[i].limit < limits[tightest].limit)
      ) {
        tightest = i;
      }
      if (count.blocked && (blocked < 0 || count.resetsAt > counts[blocked].resetsAt)) blocked = i;
    }
    const resetSeconds = Math.ceil(counts[tightest].resetsAt / 1000);
    void reply
      .header('X-RateLimit-Limit', String(limits[tightest].limit))
      .header('X-RateLimit-Remaining', String(counts[tightest].remaining))
      .header('X-RateLimit-Reset', String(resetSeconds));
    const ietf = this.ietfFields;
    if (ietf !== null) {
      void reply
        .header(RATE_LIMIT_POLICY_HEADER, ietf.policyField(limits))
        .header(
          RATE_LIMIT_HEADER,
          ietf.rateLimitField(limits[tightest], counts[tightest], resetSeconds, now),
        );
    }

    if (blocked < 0) return;
    this.recordRejection(request, limits[blocked]);
    return TooManyRequestsError.after((counts[blocked].resetsAt - now) / 1000);
  }

  /** The limits that apply to this caller; synchronous when its organization's limit is cached. */
  private limitsFor(request: FastifyRequest): Limit[] | Promise<Limit[]> {
    const principal = request.principal;
    if (!principal) return this.publicLimits(request);
    if (principal.type === 'instance_admin') return [];
    const organizationId = principal.organizationId;
    if (!organizationId) return this.keyLimits(principal, []);
    const cached = this.organizationLimits.cached(organizationId);
    if (cached !== undefined)
      return this.keyLimits(principal, [organizationLimit(organizationId, cached)]);
    return this.organizationLimits
      .perMinute(organizationId)
      .then((perMinute) =>
        this.keyLimits(
          principal,
          perMinute === null ? [] : [organizationLimit(organizationId, perMinute)],
        ),
      );
  }

  /**
   * An unauthenticated request: its client address's limit, or on a route that names its tracker
   * (@RateLimitTracker) that tracker's limit and the address's ceiling.
   */
  private publicLimits(request: FastifyRequest): Limit[] {
    const network = clientNetworkOf(clientAddressOf(request));
    const tracker = request.routeOptions.config.rateLimitTracker;
    const named = tracker?.of(request);
    if (!tracker || named === undefined || named.length > MAX_TRACKER_LENGTH) {
      return [{ name: 'ip', tracker: network, limit: this.publicPerMinute, windowMs: MINUTE_MS }];
    }
    return [
      { name: tracker.name, tracker: named, limit: this.publicPerMinute, windowMs: MINUTE_MS },
      {
        name: 'network_ceiling',
        tracker: network,
        limit: this.publicPerMinute * NAMED_TRACKER_NETWORK_FACTOR,
        windowMs: MINUTE_MS,
      },
    ];
  }

  /** Adds the credential's own hourly limit (an API key's), carried on the principal. */
  private keyLimits(principal: Principal, limits: Limit[]): Limit[] {
    const perHour = principal.rateLimitPerHour;
    if (perHour !== null) {
      limits.push({
        name: 'api_key',
        tracker: principal.subject,
        limit: perHour,
        windowMs: HOUR_MS,
      });
    }
    return limits;
  }

  private recordRejection(request: FastifyRequest, limit: Limit): void {
    const principal = request.principal;
    if (principal?.type === 'api_key' && principal.organizationId) {
      this.usage.reclassifyAsRejected(principal.subject, principal.organizationId);
    }
    this.audit.recordSampled(
      `rate-limited:${limit.name}:${limit.tracker}`,
      AUDIT_ACTIONS.rateLimited,
      () => ({
        organizationId: principal?.organizationId ?? null,
        by: principal,
        origin: principal ? undefined : originOf(request),
        outcome: 'denied',
        metadata: {
          limit: limit.name,
          limit_value: limit.limit,
          window_seconds: limit.windowMs / 1000,
        },
      }),
    );
  }
}
