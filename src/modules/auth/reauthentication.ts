import { Injectable } from '@nestjs/common';
import { ForbiddenError, UnauthorizedError } from '../../common/errors/api-errors';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { AuditRecorder } from '../audit/audit-recorder.service';
import { verifyPassword } from '../users/passwords';
import type { User } from '../users/user.entity';
import { LoginThrottle } from './login-throttle';
import { SessionsRepository } from './sessions/sessions.repository';
import type { UserCaller } from './user-caller';

/** How recent a sign-in stands in for the current password. */
export const RECENT_SIGN_IN_MS = 5 * 60_000;

export type ReauthenticationPurpose = 'password_change' | 'mfa_enrolment' | 'mfa_removal';
export type ReauthenticatedBy = 'password' | 'recent_sign_in';

/**
 * Changing the password and enrolling or removing MFA need more than a bearer token, which may be
 * stolen or hours old: the current password, or a sign-in less than 5 minutes old (one that passed
 * MFA when the user has it). A wrong password counts toward the login failure lock (per email and
 * per client address), so this is no way to guess passwords past it.
 */
@Injectable()
export class Reauthentication {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditRecorder,
  ) {}

  async confirm(
    caller: UserCaller,
    user: User,
    currentPassword: string | undefined,
    purpose: ReauthenticationPurpose,
  ): Promise<ReauthenticatedBy> {
    if (currentPassword !== undefined) {
      await this.checkPassword(caller, user, currentPassword, purpose);
      return 'password';
    }
    if (await this.signedInRecently(caller, user)) return 'recent_sign_in';
    this.recordFailure(caller, user, purpose, 'sign_in_not_recent', 'denied');
    throw new ForbiddenError(
      user.mfaEnabledAt
        ? 'Send current_password, or sign in again with mfa_code (a sign-in less than 5 minutes old)'
        : 'Send current_password, or sign in again (a sign-in less than 5 minutes old)',
      'reauthentication_required',
    );
  }

  private async checkPassword(
    caller: UserCaller,
    user: User,
    password: string,
    purpose: ReauthenticationPurpose,
  ): Promise<void> {
    const ip = caller.origin?.ip ?? '';
    try {
      this.throttle.assertAllowed(user.email, ip);
    } catch (error) {
      this.recordFailure(caller, user, purpose, 'too_many_failures', 'denied');
      throw error;
    }
    if (!(await verifyPassword(user.passwordHash, password))) {
      await this.throttle.recordFailure(user.email, ip);
      this.recordFailure(caller, user, purpose, 'wrong_password', 'failure');
      // Login's wording and status (without the email, which the caller did not send).
      throw new UnauthorizedError('Invalid password', 'invalid_credentials');
    }
    this.throttle.recordSuccess(user.email);
  }

  /** The caller's own session began less than 5 minutes ago, with MFA if the user has it on. */
  private async signedInRecently(caller: UserCaller, user: User): Promise<boolean> {
    const session = await this.sessions.findSession(caller.sessionId);
    if (!session || session.revokedAt) return false;
    if (Date.now() - session.createdAt.getTime() >= RECENT_SIGN_IN_MS) return false;
    return !user.mfaEnabledAt || session.amr.split(' ').includes('otp');
  }

  private recordFailure(
    caller: UserCaller,
    user: User,
    purpose: ReauthenticationPurpose,
    reason: string,
    outcome: 'failure' | 'denied',
  ): void {
    this.audit.record(AUDIT_ACTIONS.reauthenticationFailed, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'user', id: user.id },
      outcome,
      metadata: { purpose, reason },
    });
  }
}
