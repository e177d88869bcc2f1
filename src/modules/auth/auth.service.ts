import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { transactionAlone } from '../../database/transactions';
import { Principal, unhandledPrincipal } from '../../common/auth/principal';
import { ConflictError, UnauthorizedError } from '../../common/errors/api-errors';
import { uuidv7 } from '../../common/ids';
import type { RequestOrigin } from '../../common/http/request-origin';
import { AUDIT_ACTIONS, AuditAction } from '../audit/audit-actions';
import { AuditRecorder } from '../audit/audit-recorder.service';
import { OrganizationsService } from '../organizations/organizations.service';
import { personalOrganizationName } from '../organizations/personal-organization-name';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../users/passwords';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import {
  LoginDto,
  RegisterDto,
  RegisterResponseDto,
  TokenResponseDto,
  VerifyResponseDto,
} from './dto/auth.dto';
import { ChangePasswordDto } from './dto/password.dto';
import { LoginThrottle } from './login-throttle';
import { MfaService } from './mfa/mfa.service';
import { Reauthentication } from './reauthentication';
import { SessionsService } from './sessions/sessions.service';
import { requireUserCaller, UserCaller } from './user-caller';

const INVALID_LOGIN = 'Invalid email or password';

/** What the first step of a sign-in checks (LoginDto, the hosted login form). */
export interface PasswordCredentials {
  email: string;
  password: string;
}

/** An id no user has (ids are UUIDv7): what an unknown email's failure looks up. */
const NO_USER_ID = '00000000-0000-7000-8000-000000000000';

@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly organizations: OrganizationsService,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly mfa: MfaService,
    private readonly reauthentication: Reauthentication,
    private readonly audit: AuditRecorder,
  ) {}

  /** A user and their personal organization (owner), in one transaction. */
  async register(dto: RegisterDto, origin: RequestOrigin): Promise<RegisterResponseDto> {
    const email = dto.email.toLowerCase();
    if (await this.users.findByEmail(email)) {
      throw new ConflictError('An account with this email already exists', 'email_taken');
    }
    const user: User = {
      id: uuidv7(),
      email,
      fullName: dto.full_name,
      passwordHash: await hashPassword(dto.password),
      totpSecretEncrypted: null,
      mfaEnabledAt: null,
      totpLastStep: null,
      createdAt: new Date(),
    };
    try {
      const organization = await transactionAlone(this.dataSource.manager, async (manager) => {
        await this.users.insert(user, manager);
        return this.organizations.createPersonal(
          personalOrganizationName(dto.full_name),
          user.id,
          manager,
        );
      });
      this.audit.record(AUDIT_ACTIONS.userRegistered, {
        organizationId: organization.id,
        actor: { type: 'user', id: user.id },
        origin,
        target: { type: 'user', id: user.id },
        metadata: { email },
      });
      return { user_id: user.id, email, organization_id: organization.id };
    } catch (error) {
      // Two registrations racing for one email: the unique index decides.
      if (await this.users.findByEmail(email)) {
        throw new ConflictError('An account with this email already exists', 'email_taken');
      }
      throw error;
    }
  }

  /** Email and password, then the second factor when enrolled; then a session. */
  async login(dto: LoginDto, origin: RequestOrigin): Promise<TokenResponseDto> {
    const user = await this.checkPassword(dto, origin);
    const amr = await this.completeSignIn(user, dto.mfa_code, origin);
    return this.sessions.issue(user, amr, origin);
  }

  /**
   * Step one of every sign-in with a password (this API's login, the hosted login page): refused
   * with 429 while the email or address is locked out; a wrong password or unknown email is one
   * generic 401 and counts toward the lock.
   */
  async checkPassword(credentials: PasswordCredentials, origin: RequestOrigin): Promise<User> {
    this.assertNotLockedOut(credentials.email, origin);
    return this.userWithPassword(credentials, origin);
  }

  /**
   * Step two, for a user whose password was right: the TOTP code when they enrolled (none: 401
   * `mfa_required`; a wrong one counts toward the lock, which is checked again here because the
   * hosted page asks for the code in a request of its own). Answers the methods passed (RFC
   * 8176) and clears the email's failures.
   */
  async completeSignIn(
    user: User,
    mfaCode: string | undefined,
    origin: RequestOrigin,
  ): Promise<string[]> {
    this.assertNotLockedOut(user.email, origin);
    const amr = ['pwd', ...(await this.secondFactorOf(user, mfaCode, origin))];
    this.throttle.recordSuccess(user.email);
    return amr;
  }

  /** Too many failures for this email or address: 429 before any password check. */
  private assertNotLockedOut(email: string, origin: RequestOrigin): void {
    try {
      this.throttle.assertAllowed(email, origin.ip);
    } catch (error) {
      this.audit.recordSampled(
        `login-throttled:${email.toLowerCase()}`,
        AUDIT_ACTIONS.loginFailed,
        () => ({
          organizationId: null,
          origin,
          outcome: 'denied',
          metadata: { email: email.toLowerCase(), reason: 'too_many_failures' },
        }),
      );
      throw error;
    }
  }

  /**
   * The user whose password this is; an unknown email costs the same time as a wrong password.
   * A found account's lock is its stored email's, so no other spelling that finds the account
   * gets failures of its own (emails compare byte for byte since ExactEmails1765002200000).
   */
  private async userWithPassword(dto: PasswordCredentials, origin: RequestOrigin): Promise<User> {
    const user = await this.users.findByEmail(dto.email);
    if (user) this.assertNotLockedOut(user.email, origin);
    const passwordOk = user ? await verifyPassword(user.passwordHash, dto.password) : false;
    if (!user) await burnPasswordCheck(dto.password);
    if (!user || !passwordOk) {
      await this.throttle.recordFailure(user?.email ?? dto.email, origin.ip);
      await this.recordLoginFailure(
        dto.email,
        user,
        user ? 'wrong_password' : 'unknown_email',
        origin,
      );
      throw new UnauthorizedError(INVALID_LOGIN, 'invalid_credentials');
    }
    return user;
  }

  /** `['otp']` when the user enrolled TOTP and sent a valid code; [] when not enrolled. */
  private async secondFactorOf(
    user: User,
    mfaCode: string | undefined,
    origin: RequestOrigin,
  ): Promise<string[]> {
    if (!user.mfaEnabledAt) return [];
    if (!mfaCode) throw new UnauthorizedError('MFA code required', 'mfa_required');
    if (!(await this.mfa.acceptTotp(user, mfaCode))) {
      await this.throttle.recordFailure(user.email, origin.ip);
      await this.recordLoginFailure(
        user.email,
        user,
        'invalid_mfa_code',
        origin,
        AUDIT_ACTIONS.mfaFailed,
      );
      throw new UnauthorizedError('Invalid MFA code', 'invalid_mfa_code');
    }
    return ['otp'];
  }

  /** A failed login is recorded in the user's default organization, or at instance level. */
  private async recordLoginFailure(
    email: string,
    user: User | null,
    reason: string,
    origin: RequestOrigin,
    action: AuditAction = AUDIT_ACTIONS.loginFailed,
  ): Promise<void> {
    // The same look-up for an unknown email (of an id no user has): a wrong password must not
    // answer a query later than an unknown email does.
    const membership = await this.organizations.defaultMembershipOf(user?.id ?? NO_USER_ID);
    this.audit.record(action, {
      organizationId: membership?.organizationId ?? null,
      actor: { type: user ? 'user' : 'anonymous', id: user?.id ?? null },
      origin,
      target: { type: 'user', id: user?.id ?? null },
      outcome: 'failure',
      metadata: { email: email.toLowerCase(), reason },
    });
  }

  async refresh(presented: string, origin: RequestOrigin): Promise<TokenResponseDto> {
    return this.sessions.refresh(presented, origin);
  }

  /** Ends the session of the presented token: its refresh tokens and the access token stop. */
  async logout(principal: Principal): Promise<void> {
    const caller = requireUserCaller(principal);
    await this.sessions.revoke(caller.sessionId, 'logout');
    await this.sessions.denylistAccessToken(caller.tokenId, caller.expiresAt!);
    this.audit.record(AUDIT_ACTIONS.sessionLoggedOut, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'session', id: caller.sessionId },
    });
  }

  /**
   * A new password (registration's rules), after a re-authentication. Every other session ends:
   * whoever knew the old password may be signed in with it.
   */
  async changePassword(principal: Principal, dto: ChangePasswordDto): Promise<void> {
    const caller = requireUserCaller(principal);
    const user = await this.currentUser(caller);
    const by = await this.reauthentication.confirm(
      caller,
      user,
      dto.current_password,
      'password_change',
    );
    await this.users.updatePasswordHash(user.id, await hashPassword(dto.new_password));
    const ended = await this.sessions.revokeAllOf(user.id, 'password_changed', caller.sessionId);
    this.audit.record(AUDIT_ACTIONS.passwordChanged, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'user', id: user.id },
      metadata: { reauthenticated_by: by, other_sessions_ended: ended },
    });
  }

  /** Runs on every verify call: one object, no spreads (measured on `npm run bench`). */
  verify(principal: Principal): VerifyResponseDto {
    const answer: VerifyResponseDto = {
      authenticated: true,
      principal_type: principal.type,
      subject: principal.subject,
      organization_id: principal.organizationId,
      scopes: principal.scopes,
      expires_at: principal.expiresAt?.toISOString() ?? null,
    };
    switch (principal.type) {
      case 'user':
        answer.role = principal.role;
        answer.mfa = principal.mfa;
        if (principal.delegatedTo) answer.client_id = principal.delegatedTo.clientId;
        break;
      case 'api_key':
        answer.environment = principal.environment;
        answer.remaining = principal.credits === null ? null : principal.credits.remaining;
        break;
      case 'instance_admin':
      case 'oauth_client':
      case 'service_account':
        break;
      default:
        return unhandledPrincipal(principal);
    }
    return answer;
  }

  private async currentUser(caller: UserCaller): Promise<User> {
    const user = await this.users.findById(caller.subject);
    if (!user) throw new UnauthorizedError();
    return user;
  }
}
