import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LRUCache } from 'lru-cache';
import { TooManyRequestsError } from '../../common/errors/api-errors';
import { EnvironmentVariables } from '../../config/env.schema';

interface FailureWindow {
  failures: number;
  resetsAt: number;
}

/**
 * Counts failed logins per email and per client IP in a fixed window. Past the limit, logins are
 * refused with 429 before any password check, whether or not the email exists, so a locked-out
 * attacker learns nothing about which accounts are real. In memory on each instance for now.
 */
@Injectable()
export class LoginThrottle {
  private readonly windows = new LRUCache<string, FailureWindow>({ max: 100_000 });
  private readonly maxPerEmail: number;
  private readonly maxPerIp: number;
  private readonly windowMs: number;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    this.maxPerEmail = config.get('LOGIN_MAX_FAILURES_PER_EMAIL', { infer: true });
    this.maxPerIp = config.get('LOGIN_MAX_FAILURES_PER_IP', { infer: true });
    this.windowMs = config.get('LOGIN_FAILURE_WINDOW_SECONDS', { infer: true }) * 1000;
  }

  assertAllowed(email: string, ip: string): void {
    const retryAfterMs = Math.max(
      this.lockedFor(`email:${email.toLowerCase()}`, this.maxPerEmail),
      this.lockedFor(`ip:${ip}`, this.maxPerIp),
    );
    if (retryAfterMs > 0) throw new TooManyRequestsError(retryAfterMs / 1000);
  }

  recordFailure(email: string, ip: string): void {
    this.increment(`email:${email.toLowerCase()}`);
    this.increment(`ip:${ip}`);
  }

  recordSuccess(email: string): void {
    this.windows.delete(`email:${email.toLowerCase()}`);
  }

  private lockedFor(key: string, max: number): number {
    const window = this.windows.get(key);
    if (!window || window.resetsAt <= Date.now() || window.failures < max) return 0;
    return window.resetsAt - Date.now();
  }

  private increment(key: string): void {
    const now = Date.now();
    const window = this.windows.get(key);
    if (!window || window.resetsAt <= now) {
      this.windows.set(key, { failures: 1, resetsAt: now + this.windowMs });
    } else {
      window.failures += 1;
    }
  }
}
