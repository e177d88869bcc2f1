import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal';
import { MasterKeyService } from '../../../common/crypto/master-key';
import { ConflictError, UnauthorizedError } from '../../../common/errors/api-errors';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import { User } from '../../users/user.entity';
import { UsersService } from '../../users/users.service';
import { TotpEnrollResponseDto } from '../dto/auth.dto';
import { LoginThrottle } from '../login-throttle';
import { Reauthentication } from '../reauthentication';
import { SessionsService } from '../sessions/sessions.service';
import { requireUserCaller, UserCaller } from '../user-caller';
import { matchTotpStep, newTotpSecret, totpUri } from './totp';

/**
 * TOTP: enrolment (a secret, then a code confirming it), its check at login, and its removal.
 * Enrolling and removing need a re-authentication; turning MFA on ends the user's other sessions,
 * which signed in without it.
 */
@Injectable()
export class MfaService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly reauthentication: Reauthentication,
    private readonly throttle: LoginThrottle,
    private readonly masterKey: MasterKeyService,
    private readonly audit: AuditRecorder,
  ) {}

  /** Step one: a new secret for the authenticator app (replaces an unconfirmed one). */
  async enrollTotp(
    principal: Principal,
    currentPassword: string | undefined,
  ): Promise<TotpEnrollResponseDto> {
    const caller = requireUserCaller(principal);
    const user = await this.userOf(caller);
    if (user.mfaEnabledAt) throw new ConflictError('MFA is already enabled', 'mfa_already_enabled');
    await this.reauthentication.confirm(caller, user, currentPassword, 'mfa_enrolment');
    const secret = newTotpSecret();
    await this.users.saveTotpSecret(user.id, this.masterKey.encrypt(secret));
    return { secret, otpauth_url: totpUri(secret, user.email) };
  }

  /**
   * Step two: a code from the app turns MFA on. The enrolment it confirms was re-authenticated,
   * so this step needs no more. Every other session of the user ends: they signed in without MFA.
   */
  async confirmTotp(principal: Principal, code: string): Promise<{ mfa_enabled: true }> {
    const caller = requireUserCaller(principal);
    const user = await this.userOf(caller);
    if (user.mfaEnabledAt) throw new ConflictError('MFA is already enabled', 'mfa_already_enabled');
    if (!user.totpSecretEncrypted)
      throw new ConflictError('Start with POST /v1/auth/mfa/totp/enroll', 'mfa_not_enrolled');
    const step = matchTotpStep(this.masterKey.decrypt(user.totpSecretEncrypted), code);
    if (step === null) {
      this.recordWrongCode(caller, user, 'invalid_code_at_enrolment');
      throw new UnauthorizedError('Invalid MFA code', 'invalid_mfa_code');
    }
    await this.users.enableMfa(user.id, step);
    const ended = await this.sessions.revokeAllOf(user.id, 'mfa_enabled', caller.sessionId);
    this.audit.record(AUDIT_ACTIONS.mfaEnrolled, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'user', id: user.id },
      metadata: { method: 'totp', other_sessions_ended: ended },
    });
    return { mfa_enabled: true };
  }

  /**
   * MFA off (a lost or replaced authenticator): a re-authentication and a current code, which
   * counts toward the login failure lock when wrong, as at login.
   */
  async removeTotp(
    principal: Principal,
    currentPassword: string | undefined,
    code: string,
  ): Promise<void> {
    const caller = requireUserCaller(principal);
    const user = await this.userOf(caller);
    if (!user.mfaEnabledAt) throw new ConflictError('MFA is not enabled', 'mfa_not_enabled');
    const by = await this.reauthentication.confirm(caller, user, currentPassword, 'mfa_removal');
    const ip = caller.origin?.ip ?? '';
    this.throttle.assertAllowed(user.email, ip);
    if (!(await this.acceptTotp(user, code))) {
      await this.throttle.recordFailure(user.email, ip);
      this.recordWrongCode(caller, user, 'invalid_code_at_removal');
      throw new UnauthorizedError('Invalid MFA code', 'invalid_mfa_code');
    }
    await this.users.disableMfa(user.id);
    this.audit.record(AUDIT_ACTIONS.mfaRemoved, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'user', id: user.id },
      metadata: { method: 'totp', reauthenticated_by: by },
    });
  }

  /** A code of the user's enabled secret, each time step accepted once (RFC 6238 5.2). */
  async acceptTotp(user: User, code: string): Promise<boolean> {
    if (!user.totpSecretEncrypted) return false;
    const step = matchTotpStep(this.masterKey.decrypt(user.totpSecretEncrypted), code);
    return step !== null && (await this.users.consumeTotpStep(user.id, step));
  }

  private recordWrongCode(caller: UserCaller, user: User, reason: string): void {
    this.audit.record(AUDIT_ACTIONS.mfaFailed, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'user', id: user.id },
      outcome: 'failure',
      metadata: { reason },
    });
  }

  private async userOf(caller: UserCaller): Promise<User> {
    const user = await this.users.findById(caller.subject);
    if (!user) throw new UnauthorizedError();
    return user;
  }
}
