import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../common/auth/principal';
import { routePolicy } from '../../common/auth/route-policy';
import { TooManyRequestsError } from '../../common/errors/api-errors';
import { originOf } from '../../common/http/request-origin';
import { EnvironmentVariables } from '../../config/env.schema';
import { ApiKeyUsageRecorder } from '../api-keys/api-key-usage.recorder';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { countInWindow, WindowCount } from './calendar-window';
import { OrganizationLimitsCache } from './organization-limits.cache';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Built field by field: an object spread here cost measurably on every request. */
function decision(limit: Limit, counted: WindowCount): Decision {
  return {
    limit,
    remaining: counted.remaining,
    resetsAt: counted.resetsAt,
    blocked: counted.blocked,
  };
}

function organizationLimit(organizationId: string, perMinute: number): Limit {
  return { name: 'organization', tracker: organizationId, limit: perMinute, windowMs: MINUTE_MS };
}

interface Limit {
  name: 'organization' | 'api_key' | 'ip';
  tracker: string;
  limit: number;
  windowMs: number;
}

interface Decision {
  limit: Limit;
  remaining: number;
  resetsAt: number;
  blocked: boolean;
}

/**
 * Rate limits through @nestjs/throttler's storage, with windows aligned to the calendar (the
 * minute for plans and client IPs, the hour for API keys, so an hourly key limit resets on the
 * hour). Limits that apply: the organization's plan per minute, the API key's own hourly limit,
 * and for unauthenticated routes the client IP. Headers describe the tightest one. Routes opt
 * out with @SkipThrottle(). Hot path: counters are one Redis round trip (or a Map lookup) each;
 * plan limits and key limits come from in-memory caches.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly publicPerMinute: number;
  private readonly enabled: boolean;

  constructor(
    private readonly reflector: Reflector,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly organizationLimits: OrganizationLimitsCache,
    private readonly usage: ApiKeyUsageRecorder,
    private readonly audit: AuditService,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.publicPerMinute = config.get('PUBLIC_RATE_LIMIT_PER_MINUTE', { infer: true });
    this.enabled = config.get('RATE_LIMITS_ENABLED', { infer: true });
  }

  /** Synchronous when the limits are cached and counted in memory (no promise on the hot path). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (!this.enabled || routePolicy(this.reflector, context).skipRateLimit) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const limits = this.limitsFor(request);
    return limits instanceof Promise
      ? limits.then((loaded) => this.enforce(loaded, request, reply))
      : this.enforce(limits, request, reply);
  }

  private enforce(
    limits: Limit[],
    request: FastifyRequest,
    reply: FastifyReply,
  ): boolean | Promise<boolean> {
    if (limits.length === 0) return true;
    const now = Date.now();
    const decisions = limits.map((limit) => this.count(limit, now));
    // With Redis, the counters of a request are sent together: one pipelined round trip.
    return decisions.some((decision) => decision instanceof Promise)
      ? Promise.all(decisions).then((counted) => this.decide(counted, request, reply, now))
      : this.decide(decisions as Decision[], request, reply, now);
  }

  private decide(
    decisions: Decision[],
    request: FastifyRequest,
    reply: FastifyReply,
    now: number,
  ): boolean {
    let tightest = decisions[0];
    let blocked: Decision | undefined;
    for (const decision of decisions) {
      const limit = decision.limit;
      if (
        decision.remaining < tightest.remaining ||
        (decision.remaining === tightest.remaining && limit.limit < tightest.limit.limit)
      ) {
        tightest = decision;
      }
      if (decision.blocked && (!blocked || decision.resetsAt > blocked.resetsAt))
        blocked = decision;
    }
    void reply
      .header('X-RateLimit-Limit', String(tightest.limit.limit))
      .header('X-RateLimit-Remaining', String(tightest.remaining))
      .header('X-RateLimit-Reset', String(Math.ceil(tightest.resetsAt / 1000)));

    if (!blocked) return true;
    this.recordRejection(request, blocked.limit);
    throw new TooManyRequestsError((blocked.resetsAt - now) / 1000);
  }

  /** The limits that apply to this caller; synchronous when its organization's limit is cached. */
  private limitsFor(request: FastifyRequest): Limit[] | Promise<Limit[]> {
    const principal = request.principal;
    if (!principal) {
      return [
        { name: 'ip', tracker: request.ip, limit: this.publicPerMinute, windowMs: MINUTE_MS },
      ];
    }
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

  /** One calendar-aligned window: the storage key names it, so it resets on the minute/hour. */
  private count(limit: Limit, now: number): Decision | Promise<Decision> {
    const counted = countInWindow(
      this.storage,
      limit.name,
      limit.tracker,
      limit.limit,
      limit.windowMs,
      now,
    );
    return counted instanceof Promise
      ? counted.then((window) => decision(limit, window))
      : decision(limit, counted);
  }

  private recordRejection(request: FastifyRequest, limit: Limit): void {
    const principal = request.principal;
    if (principal?.type === 'api_key' && principal.organizationId) {
      this.usage.reclassifyAsRejected(principal.subject);
    }
    this.audit.recordSampled(
      `rate-limited:${limit.name}:${limit.tracker}`,
      AUDIT_ACTIONS.rateLimited,
      {
        organizationId: principal?.organizationId ?? null,
        by: principal,
        origin: principal ? undefined : originOf(request),
        outcome: 'denied',
        metadata: {
          limit: limit.name,
          limit_value: limit.limit,
          window_seconds: limit.windowMs / 1000,
        },
      },
    );
  }
}
