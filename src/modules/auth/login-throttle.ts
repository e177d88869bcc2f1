import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { LRUCache } from 'lru-cache';
import { sha256Hex } from '../../common/crypto/secrets';
import { TooManyRequestsError } from '../../common/errors/api-errors';
import { EnvironmentVariables } from '../../config/env.schema';
import { countInWindow } from '../rate-limits/calendar-window';

/**
 * Failed logins per email and per client IP, counted in @nestjs/throttler's storage (Redis when
 * configured, so every instance counts into the same window). Past the limit, logins are refused
 * with 429 before any password check, whether or not the email exists, so a locked-out attacker
 * learns nothing about which accounts are real.
 *
 * The storage can count but not peek, so the lock itself is remembered where a failure hit the
 * limit: an instance that has not seen the lock yet learns it from the next failure there. With N
 * instances an attacker gets at most N - 1 guesses beyond the limit per window.
 */
@Injectable()
export class LoginThrottle {
  private readonly lockedUntil = new LRUCache<string, number>({ max: 100_000 });
  private readonly maxPerEmail: number;
  private readonly maxPerIp: number;
  private readonly windowMs: number;

  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.maxPerEmail = config.get('LOGIN_MAX_FAILURES_PER_EMAIL', { infer: true });
    this.maxPerIp = config.get('LOGIN_MAX_FAILURES_PER_IP', { infer: true });
    this.windowMs = config.get('LOGIN_FAILURE_WINDOW_SECONDS', { infer: true }) * 1000;
  }

  assertAllowed(email: string, ip: string): void {
    const now = Date.now();
    const until = Math.max(
      this.lockedUntil.get(emailKey(email)) ?? 0,
      this.lockedUntil.get(`ip:${ip}`) ?? 0,
    );
    if (until > now) throw new TooManyRequestsError((until - now) / 1000);
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([
      this.count(emailKey(email), this.maxPerEmail),
      this.count(`ip:${ip}`, this.maxPerIp),
    ]);
  }

  recordSuccess(email: string): void {
    this.lockedUntil.delete(emailKey(email));
  }

  private async count(tracker: string, max: number): Promise<void> {
    const counted = await countInWindow(
      this.storage,
      'login-failures',
      tracker,
      max,
      this.windowMs,
    );
    if (counted.totalHits >= max) this.lockedUntil.set(tracker, counted.resetsAt);
  }
}

/** Emails are hashed: the storage (Redis) never holds them in clear. */
function emailKey(email: string): string {
  return `email:${sha256Hex(email.trim().toLowerCase())}`;
}
