import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { ScopeCatalogue } from '../../common/auth/scope-catalogue';
import { MasterKeyService } from '../../common/crypto/master-key';
import { ConflictError, ForbiddenError, UnauthorizedError } from '../../common/errors/api-errors';
import { uuidv7 } from '../../common/ids';
import type { RequestOrigin } from '../../common/http/request-origin';
import { AUDIT_ACTIONS, AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { MembershipRolesCache } from '../organizations/membership-roles.cache';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { personalOrganizationName } from '../organizations/personal-organization-name';
import { AccessTokensService } from '../tokens/access-tokens.service';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../users/passwords';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import {
  LoginDto,
  RegisterDto,
  RegisterResponseDto,
  TokenResponseDto,
  TotpEnrollResponseDto,
  VerifyResponseDto,
} from './dto/auth.dto';
import { LoginThrottle } from './login-throttle';
import { matchTotpStep, newTotpSecret, totpUri } from './mfa/totp';
import { Session } from './sessions/session.entity';
import { SessionsService } from './sessions/sessions.service';

const INVALID_LOGIN = 'Invalid email or password';

@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly roles: MembershipRolesCache,
    private readonly sessions: SessionsService,
    private readonly accessTokens: AccessTokensService,
    private readonly scopes: ScopeCatalogue,
    private readonly throttle: LoginThrottle,
    private readonly masterKey: MasterKeyService,
    private readonly audit: AuditService,
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
      const organization = await this.dataSource.transaction(async (manager) => {
        await this.users.insert(user, manager);
        return this.organizations.createWithOwner(
          { name: personalOrganizationName(dto.full_name), personal: true },
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

  async login(dto: LoginDto, origin: RequestOrigin): Promise<TokenResponseDto> {
    const ip = origin.ip;
    try {
      this.throttle.assertAllowed(dto.email, ip);
    } catch (error) {
      this.audit.recordSampled(
        `login-throttled:${dto.email.toLowerCase()}`,
        AUDIT_ACTIONS.loginFailed,
        {
          organizationId: null,
          origin,
          outcome: 'denied',
          metadata: { email: dto.email.toLowerCase(), reason: 'too_many_failures' },
        },
      );
      throw error;
    }
    const user = await this.users.findByEmail(dto.email);
    const passwordOk = user ? await verifyPassword(user.passwordHash, dto.password) : false;
    if (!user) await burnPasswordCheck(dto.password);
    if (!user || !passwordOk) {
      await this.throttle.recordFailure(dto.email, ip);
      await this.recordLoginFailure(
        dto.email,
        user,
        user ? 'wrong_password' : 'unknown_email',
        origin,
      );
      throw new UnauthorizedError(INVALID_LOGIN, 'invalid_credentials');
    }

    const amr = ['pwd'];
    if (user.mfaEnabledAt) {
      if (!dto.mfa_code) throw new UnauthorizedError('MFA code required', 'mfa_required');
      if (!(await this.acceptTotp(user, dto.mfa_code))) {
        await this.throttle.recordFailure(dto.email, ip);
        await this.recordLoginFailure(
          dto.email,
          user,
          'invalid_mfa_code',
          origin,
          AUDIT_ACTIONS.mfaFailed,
        );
        throw new UnauthorizedError('Invalid MFA code', 'invalid_mfa_code');
      }
      amr.push('otp');
    }
    this.throttle.recordSuccess(dto.email);

    const membership = await this.organizations.firstOrganizationOf(user.id);
    if (!membership) throw new ForbiddenError('This user belongs to no organization');
    const { session, refreshToken } = await this.sessions.start(
      user.id,
      membership.organizationId,
      amr,
    );
    this.audit.record(AUDIT_ACTIONS.loginSucceeded, {
      organizationId: membership.organizationId,
      actor: { type: 'user', id: user.id },
      origin,
      target: { type: 'session', id: session.id },
      metadata: { email: user.email, amr },
    });
    return this.tokenResponse(session, refreshToken);
  }

  /** A failed login is recorded in the user's default organization, or at instance level. */
  private async recordLoginFailure(
    email: string,
    user: User | null,
    reason: string,
    origin: RequestOrigin,
    action: AuditAction = AUDIT_ACTIONS.loginFailed,
  ): Promise<void> {
    const membership = user ? await this.organizations.firstOrganizationOf(user.id) : null;
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
    const { session, refreshToken } = await this.sessions.rotate(presented, origin);
    return this.tokenResponse(session, refreshToken);
  }

  /** Ends the session of the presented token: its refresh tokens and the access token stop. */
  async logout(principal: Principal): Promise<void> {
    const caller = this.requireUser(principal);
    await this.sessions.revoke(caller.sessionId!, 'logout');
    await this.sessions.denylistAccessToken(caller.tokenId!, caller.expiresAt!);
    this.audit.record(AUDIT_ACTIONS.sessionLoggedOut, {
      organizationId: caller.organizationId,
      by: caller,
      target: { type: 'session', id: caller.sessionId },
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
    if (principal.environment) answer.environment = principal.environment;
    if (principal.role) answer.role = principal.role;
    if (principal.type === 'user') answer.mfa = principal.mfa;
    return answer;
  }

  async enrollTotp(principal: Principal): Promise<TotpEnrollResponseDto> {
    const user = await this.currentUser(principal);
    if (user.mfaEnabledAt) throw new ConflictError('MFA is already enabled', 'mfa_already_enabled');
    const secret = newTotpSecret();
    await this.users.saveTotpSecret(user.id, this.masterKey.encrypt(secret));
    return { secret, otpauth_url: totpUri(secret, user.email) };
  }

  async confirmTotp(principal: Principal, code: string): Promise<{ mfa_enabled: true }> {
    const user = await this.currentUser(principal);
    if (user.mfaEnabledAt) throw new ConflictError('MFA is already enabled', 'mfa_already_enabled');
    if (!user.totpSecretEncrypted)
      throw new ConflictError('Start with POST /v1/auth/mfa/totp/enroll', 'mfa_not_enrolled');
    const step = matchTotpStep(this.masterKey.decrypt(user.totpSecretEncrypted), code);
    if (step === null) {
      this.audit.record(AUDIT_ACTIONS.mfaFailed, {
        organizationId: principal.organizationId,
        by: principal,
        target: { type: 'user', id: user.id },
        outcome: 'failure',
        metadata: { reason: 'invalid_code_at_enrolment' },
      });
      throw new UnauthorizedError('Invalid MFA code', 'invalid_mfa_code');
    }
    await this.users.enableMfa(user.id, step);
    this.audit.record(AUDIT_ACTIONS.mfaEnrolled, {
      organizationId: principal.organizationId,
      by: principal,
      target: { type: 'user', id: user.id },
      metadata: { method: 'totp' },
    });
    return { mfa_enabled: true };
  }

  private async acceptTotp(user: User, code: string): Promise<boolean> {
    if (!user.totpSecretEncrypted) return false;
    const step = matchTotpStep(this.masterKey.decrypt(user.totpSecretEncrypted), code);
    return step !== null && (await this.users.consumeTotpStep(user.id, step));
  }

  private async tokenResponse(session: Session, refreshToken: string): Promise<TokenResponseDto> {
    let organizationId = session.organizationId;
    let role = await this.roles.roleOf(session.userId, organizationId);
    if (!role) {
      // Removed from the session's organization since login: fall back to another one.
      const membership = await this.organizations.firstOrganizationOf(session.userId);
      if (!membership) throw new UnauthorizedError('This user belongs to no organization');
      organizationId = membership.organizationId;
      role = membership.role;
    }
    const access = await this.accessTokens.issue({
      subject: session.userId,
      organizationId,
      sessionId: session.id,
      scopes: this.scopes.scopesOfRole(role),
      amr: session.amr.split(' '),
    });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
    };
  }

  private requireUser(principal: Principal): Principal {
    if (principal.type !== 'user')
      throw new ForbiddenError('This endpoint needs a user access token', 'user_token_required');
    return principal;
  }

  private async currentUser(principal: Principal): Promise<User> {
    const user = await this.users.findById(this.requireUser(principal).subject);
    if (!user) throw new UnauthorizedError();
    return user;
  }
}
