import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { routePolicy } from '../../common/auth/route-policy';
import { TooManyRequestsError } from '../../common/errors/api-errors';
import { originOf } from '../../common/http/request-origin';
import { EnvironmentVariables } from '../../config/env.schema';
import { ApiKeyCache } from '../api-keys/api-key-cache';
import { ApiKeyUsageRecorder } from '../api-keys/api-key-usage.recorder';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { countInWindow } from './calendar-window';
import { OrganizationLimitsCache } from './organization-limits.cache';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

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
    private readonly apiKeys: ApiKeyCache,
    private readonly usage: ApiKeyUsageRecorder,
    private readonly audit: AuditService,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.publicPerMinute = config.get('PUBLIC_RATE_LIMIT_PER_MINUTE', { infer: true });
    this.enabled = config.get('RATE_LIMITS_ENABLED', { infer: true });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.enabled || routePolicy(this.reflector, context).skipRateLimit) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const limits = await this.limitsFor(request);
    if (limits.length === 0) return true;

    const now = Date.now();
    // Counted concurrently: with Redis, the limits of a request share one pipelined round trip.
    const decisions = await Promise.all(limits.map((limit) => this.count(limit, now)));
    let tightest: Decision | undefined;
    let blocked: Decision | undefined;
    for (const decision of decisions) {
      const limit = decision.limit;
      if (
        !tightest ||
        decision.remaining < tightest.remaining ||
        (decision.remaining === tightest.remaining && limit.limit < tightest.limit.limit)
      ) {
        tightest = decision;
      }
      if (decision.blocked && (!blocked || decision.resetsAt > blocked.resetsAt))
        blocked = decision;
    }
    void http
      .getResponse<FastifyReply>()
      .header('X-RateLimit-Limit', String(tightest!.limit.limit))
      .header('X-RateLimit-Remaining', String(tightest!.remaining))
      .header('X-RateLimit-Reset', String(Math.ceil(tightest!.resetsAt / 1000)));

    if (!blocked) return true;
    this.recordRejection(request, blocked.limit);
    throw new TooManyRequestsError((blocked.resetsAt - now) / 1000);
  }

  private async limitsFor(request: FastifyRequest): Promise<Limit[]> {
    const principal = request.principal;
    if (!principal) {
      return [
        { name: 'ip', tracker: request.ip, limit: this.publicPerMinute, windowMs: MINUTE_MS },
      ];
    }
    if (principal.type === 'instance_admin') return [];
    const limits: Limit[] = [];
    if (principal.organizationId) {
      const perMinute =
        this.organizationLimits.cached(principal.organizationId) ??
        (await this.organizationLimits.perMinute(principal.organizationId));
      if (perMinute !== null) {
        limits.push({
          name: 'organization',
          tracker: principal.organizationId,
          limit: perMinute,
          windowMs: MINUTE_MS,
        });
      }
    }
    if (principal.type === 'api_key') {
      const perHour = this.apiKeys.rateLimitOf(principal.subject);
      if (perHour !== null)
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
  private async count(limit: Limit, now: number): Promise<Decision> {
    const counted = await countInWindow(
      this.storage,
      limit.name,
      limit.tracker,
      limit.limit,
      limit.windowMs,
      now,
    );
    return { limit, ...counted };
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
