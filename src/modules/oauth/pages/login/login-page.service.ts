import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TooManyRequestsError, UnauthorizedError } from '../../../../common/errors/api-errors';
import { originOf } from '../../../../common/http/request-origin';
import { AuthService } from '../../../auth/auth.service';
import type { User } from '../../../users/user.entity';
import { BrowserSessions } from '../../browser-sessions/browser-sessions.service';
import { ReturnToApplications } from '../authorize/return-to-application';
import { PageContext, PageRenderer } from '../page-renderer';
import { safeReturnTo } from '../return-to';
import { CodeFormDto, PasswordFormDto } from './login-form.dto';
import { PendingSignIns } from './pending-sign-ins';

export const LOGIN_PATH = '/oauth/login';
/** The SAML module's discovery by email; its form is on the page once the app serves it. */
const SSO_LOGIN_PATH = '/sso/login';

/** The status and headers (Retry-After) a form page is answered with. */
interface Answer {
  status: number;
  headers?: Record<string, string>;
}

/** A refusal the page answers itself, in the form, instead of the error page. */
interface Refusal extends Answer {
  message: string;
}

interface StepData {
  returnTo: string | null;
  email?: string;
  error?: string;
}

/**
 * The hosted login page: email and password, then the six-digit code for a user who enrolled
 * TOTP, then a browser session and a 303 to `return_to` (a path under /oauth/, return-to.ts) or
 * the "signed in" page. The checks are the API login's own (AuthService: the lockout, the one
 * generic error for a wrong password or an unknown email, TOTP codes used once), so the page and
 * POST /v1/auth/login count failures into the same lock.
 */
@Injectable()
export class LoginPage {
  private ssoLogin: boolean | undefined;

  constructor(
    private readonly auth: AuthService,
    private readonly browserSessions: BrowserSessions,
    private readonly pending: PendingSignIns,
    private readonly pages: PageRenderer,
    private readonly adapterHost: HttpAdapterHost,
    private readonly applications: ReturnToApplications,
  ) {}

  async show(request: FastifyRequest, reply: FastifyReply, returnTo: unknown): Promise<void> {
    await this.passwordStep(request, reply, { returnTo: safeReturnTo(returnTo) });
  }

  /** Step one: the password; then the code step, or signed in. */
  async submitPassword(
    request: FastifyRequest,
    reply: FastifyReply,
    form: PasswordFormDto,
  ): Promise<void> {
    const returnTo = safeReturnTo(form.return_to);
    const email = form.email?.trim() ?? '';
    if (!email || !form.password) {
      const error = 'Enter your email and password.';
      return this.passwordStep(request, reply, { returnTo, email, error }, { status: 400 });
    }
    const origin = originOf(request);
    let user: User;
    let amr: string[] | null;
    try {
      user = await this.auth.checkPassword({ email, password: form.password }, origin);
      amr = user.mfaEnabledAt ? null : await this.auth.completeSignIn(user, undefined, origin);
    } catch (error) {
      const refusal = refusalOf(error);
      return this.passwordStep(
        request,
        reply,
        { returnTo, email, error: refusal.message },
        refusal,
      );
    }
    if (amr === null) {
      this.pending.begin(request, reply, user);
      return this.codeStep(request, reply, { returnTo, email: user.email });
    }
    await this.signedIn(request, reply, user, amr, returnTo);
  }

  /** Step two, for a user who enrolled TOTP: the code. */
  async submitCode(request: FastifyRequest, reply: FastifyReply, form: CodeFormDto): Promise<void> {
    const returnTo = safeReturnTo(form.return_to);
    const user = await this.pending.userOf(request);
    if (!user) {
      const error = 'Your sign-in has expired. Enter your email and password again.';
      return this.passwordStep(request, reply, { returnTo, error }, { status: 401 });
    }
    const code = (form.code ?? '').replace(/\s+/g, '');
    if (!/^\d{6}$/.test(code)) {
      const error = 'Enter the 6-digit code from your authenticator app.';
      return this.codeStep(request, reply, { returnTo, email: user.email, error }, { status: 400 });
    }
    let amr: string[];
    try {
      amr = await this.auth.completeSignIn(user, code, originOf(request));
    } catch (error) {
      const refusal = refusalOf(error);
      const data = { returnTo, email: user.email, error: refusal.message };
      return this.codeStep(request, reply, data, refusal);
    }
    this.pending.end(request, reply);
    await this.signedIn(request, reply, user, amr, returnTo);
  }

  private async signedIn(
    request: FastifyRequest,
    reply: FastifyReply,
    user: User,
    amr: string[],
    returnTo: string | null,
  ): Promise<void> {
    await this.browserSessions.start(request, reply, user, amr);
    if (returnTo) {
      await reply.redirect(returnTo, 303);
      return;
    }
    await this.pages.render(request, reply, 'signed-in', {
      heading: 'You are signed in',
      email: user.email,
    });
  }

  /** The email and password form (again, with what was wrong). */
  private passwordStep(
    request: FastifyRequest,
    reply: FastifyReply,
    data: StepData,
    answer: Answer = { status: 200 },
  ): Promise<void> {
    const ssoPath = this.hasSsoLogin() ? SSO_LOGIN_PATH : null;
    return this.step(request, reply, 'login', answer, {
      heading: 'Sign in',
      email: data.email ?? '',
      error: data.error ?? null,
      returnTo: data.returnTo,
      ssoPath,
    });
  }

  /** The code form (again, with what was wrong). */
  private codeStep(
    request: FastifyRequest,
    reply: FastifyReply,
    data: StepData,
    answer: Answer = { status: 200 },
  ): Promise<void> {
    return this.step(request, reply, 'login-totp', answer, {
      heading: 'Two-step verification',
      email: data.email ?? '',
      error: data.error ?? null,
      returnTo: data.returnTo,
      restartPath: withReturnTo(LOGIN_PATH, data.returnTo),
    });
  }

  /**
   * A step's page. When the sign-in continues an authorization request, the page names the
   * application and lets its form's answer end at the application's redirect URI (the
   * authorization endpoint redirects there once signed in, within the form's redirect chain,
   * which the page's CSP `form-action` governs).
   */
  private async step(
    request: FastifyRequest,
    reply: FastifyReply,
    view: string,
    answer: Answer,
    data: PageContext & { returnTo: string | null } & Record<string, unknown>,
  ): Promise<void> {
    const application = await this.applications.of(data.returnTo);
    void reply.headers(answer.headers ?? {});
    await this.pages.render(
      request,
      reply,
      view,
      { ...data, clientName: application?.clientName ?? null },
      answer.status,
      { formRedirectsTo: application ? [application.redirectUri] : [] },
    );
  }

  /**
   * Whether the app serves the SSO login (the SAML module registers it): the link appears by
   * itself once it does, and never points at a route that is not there. Asked once, at the
   * first page, when every route is registered.
   */
  private hasSsoLogin(): boolean {
    this.ssoLogin ??= this.adapterHost.httpAdapter
      .getInstance<FastifyInstance>()
      .hasRoute({ method: 'GET', url: SSO_LOGIN_PATH });
    return this.ssoLogin;
  }
}

/**
 * What the page says about a refused sign-in: the lockout with its wait, one message for a wrong
 * password and an unknown email alike, a wrong code. Anything else is no refusal of the person:
 * it is thrown again, for the error page.
 */
function refusalOf(error: unknown): Refusal {
  if (error instanceof TooManyRequestsError) {
    const wait = describeWait(error.retryAfterSeconds);
    return {
      status: 429,
      message: `Too many failed sign-in attempts. Try again in ${wait}.`,
      headers: error.headers,
    };
  }
  if (error instanceof UnauthorizedError) {
    switch (error.code) {
      case 'invalid_credentials':
        return { status: 401, message: 'Incorrect email or password.' };
      case 'invalid_mfa_code':
        return {
          status: 401,
          message: 'That code is not valid. Enter the current code from your authenticator app.',
        };
    }
  }
  throw error;
}

/** `path?return_to=...`, or the path alone. */
export function withReturnTo(path: string, returnTo: string | null): string {
  return returnTo ? `${path}?return_to=${encodeURIComponent(returnTo)}` : path;
}

function describeWait(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return whole === 1 ? '1 second' : `${whole} seconds`;
  const minutes = Math.ceil(whole / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
