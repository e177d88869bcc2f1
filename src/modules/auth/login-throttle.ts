import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectThrottlerStorage } from '@nestjs/throttler';
import { sha256Hex } from '../../common/crypto/secrets';
import { clientNetworkOf } from '../../common/http/client-network';
import { EnvironmentVariables } from '../../config/env.schema';
import { FailureLock } from '../rate-limits/failure-lock';
import { ResilientThrottlerStorage } from '../rate-limits/resilient-throttler.storage';

/**
 * Failed logins per email and per client IP (a FailureLock: shared through Redis when
 * configured). Past the limit, logins are refused with 429 before any password check, whether
 * or not the email exists, so a locked-out attacker learns nothing about which accounts are real.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures: FailureLock;
  private readonly maxPerEmail: number;
  private readonly maxPerIp: number;

  constructor(
    @InjectThrottlerStorage() storage: ResilientThrottlerStorage,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.maxPerEmail = config.get('LOGIN_MAX_FAILURES_PER_EMAIL', { infer: true });
    this.maxPerIp = config.get('LOGIN_MAX_FAILURES_PER_IP', { infer: true });
    const windowMs = config.get('LOGIN_FAILURE_WINDOW_SECONDS', { infer: true }) * 1000;
    this.failures = new FailureLock(storage, 'login-failures', windowMs);
  }

  assertAllowed(email: string, ip: string): void {
    this.failures.assertOpen(emailKey(email), ipKey(ip));
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([
      this.failures.countFailure(emailKey(email), this.maxPerEmail),
      this.failures.countFailure(ipKey(ip), this.maxPerIp),
    ]);
  }

  recordSuccess(email: string): void {
    this.failures.unlock(emailKey(email));
  }
}

/** Emails are hashed: the storage (Redis) never holds them in clear. */
function emailKey(email: string): string {
  return `email:${sha256Hex(email.trim().toLowerCase())}`;
}

/** Per client network: every address of an IPv6 /64 counts as one client. */
function ipKey(ip: string): string {
  return `ip:${clientNetworkOf(ip)}`;
}
