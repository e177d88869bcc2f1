import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessDenied, InvalidRequest, OAuthError } from '../../../../common/errors/oauth-errors';
import { originOf } from '../../../../common/http/request-origin';
import { OrganizationsService, UserMembership } from '../../../organizations/organizations.service';
import { AccessTokensService } from '../../../tokens/access-tokens.service';
import { UsersService } from '../../../users/users.service';
import {
  BrowserSessions,
  CurrentBrowserSession,
} from '../../browser-sessions/browser-sessions.service';
import { isRegisteredRedirectUri } from '../../clients/oauth-client-fields';
import { OAuthClientsCache } from '../../clients/oauth-clients.cache';
import { AuthorizationCodes } from '../../grants/authorization-codes';
import { OAuthGrants } from '../../grants/oauth-grants';
import { OAuthAuditTrail } from '../../oauth-audit-trail';
import { scopeList } from '../../oauth-scopes';
import type { OAuthClient } from '../../storage/oauth-client.entity';
import type { OAuthGrant } from '../../storage/oauth-grant.entity';
import { HtmlErrorPages } from '../html-error-pages';
import { LOGIN_PATH, withReturnTo } from '../login/login-page.service';
import { PageRenderer } from '../page-renderer';
import { safeReturnTo } from '../return-to';
import {
  assertAuthorizationCodeClient,
  assertScopesAllowed,
  AuthorizationParameters,
  AuthorizationRequest,
  AuthorizationTarget,
  checkAuthorizationRequest,
  coversScopes,
  readAuthorizationParameters,
} from './authorization-request';
import { codeResponse, errorResponse, withoutSignInDemands } from './authorization-response';
import type { ConsentFormDto } from './consent-form.dto';
import { PendingAuthorization, PendingAuthorizations } from './pending-authorizations';
import { describeScopes } from './scope-descriptions';

/** The most organizations the consent page offers (a user's memberships, oldest first). */
const MAX_ORGANIZATION_CHOICES = 100;

/** How the answer redirects: 302 for the GET (RFC 6749's example), 303 after a form's post. */
type RedirectStatus = 302 | 303;

/**
 * GET /oauth/authorize (RFC 6749 section 4.1, OIDC Core section 3.1.2, RFC 9700) and the answer
 * of its consent page. First the client and its redirect URI, exactly as registered: while either
 * is wrong nothing may be sent there, so the browser gets an error page. Every later error goes
 * back to the redirect URI with `state` and `iss` (RFC 9207). Then the browser session (the
 * hosted login page when there is none or `prompt`/`max_age` ask for a new sign-in), then
 * consent: a grant of the user's to the client that covers the scopes (in an organization the
 * user still belongs to), or a first-party client, skips the page unless `prompt=consent`;
 * `prompt=none` never shows a page. Then a code, bound to the client, redirect URI, PKCE
 * challenge and nonce, in the redirect.
 */
@Injectable()
export class AuthorizationEndpoint {
  private readonly issuer: string;
  private readonly issuerOrigin: string;

  constructor(
    private readonly clients: OAuthClientsCache,
    private readonly browserSessions: BrowserSessions,
    private readonly organizations: OrganizationsService,
    private readonly users: UsersService,
    private readonly grants: OAuthGrants,
    private readonly codes: AuthorizationCodes,
    private readonly pending: PendingAuthorizations,
    private readonly pages: PageRenderer,
    private readonly errorPages: HtmlErrorPages,
    private readonly audit: OAuthAuditTrail,
    accessTokens: AccessTokensService,
  ) {
    this.issuer = accessTokens.issuer;
    this.issuerOrigin = new URL(accessTokens.issuer).origin;
  }

  async authorize(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { parameters, repeated } = readAuthorizationParameters(request.query);
    const client = repeated.includes('client_id') ? null : await this.clientOf(parameters);
    if (!client) return this.unknownClient(request, reply);
    const redirectUri = repeated.includes('redirect_uri') ? undefined : parameters.redirect_uri;
    if (redirectUri === undefined || !this.sendsCodesTo(client, redirectUri)) {
      return this.unregisteredRedirectUri(request, reply, client);
    }
    const state = repeated.includes('state') ? null : (parameters.state ?? null);
    const target: AuthorizationTarget = { client, redirectUri, state };
    await this.answering(request, reply, target, 302, async () => {
      const authorization = checkAuthorizationRequest(target, parameters, repeated);
      await this.forSignedInUser(request, reply, authorization);
    });
  }

  /** The consent page's answer: Allow (a grant and a code) or Deny (`access_denied`). */
  async decide(request: FastifyRequest, reply: FastifyReply, form: ConsentFormDto): Promise<void> {
    const session = await this.browserSessions.current(request);
    if (!session) {
      return this.errorPages.show(request, reply, 401, {
        heading: 'You are signed out',
        message:
          'Your sign-in ended before you answered. Go back to the application and try again.',
      });
    }
    const pending = this.pending.open(form.authorization, session);
    const client = pending ? await this.clients.find(pending.clientId) : null;
    if (!pending || !client || !this.sendsCodesTo(client, pending.redirectUri)) {
      return this.errorPages.show(request, reply, 400, {
        heading: 'This page has expired',
        message: 'Go back to the application and try again.',
      });
    }
    const target: AuthorizationTarget = {
      client,
      redirectUri: pending.redirectUri,
      state: pending.state,
    };
    await this.answering(request, reply, target, 303, async () => {
      assertAuthorizationCodeClient(client);
      assertScopesAllowed(client, pending.scopes);
      const memberships = await this.organizations.membershipsOf(
        session.userId,
        MAX_ORGANIZATION_CHOICES,
      );
      const chosen = memberships.find((m) => m.organizationId === form.organization_id);
      if (form.decision === 'deny') return this.deny(request, reply, target, pending, chosen);
      if (!chosen) {
        return this.errorPages.show(request, reply, 403, {
          heading: 'Choose one of your organizations',
          message:
            'You are not a member of the organization this form named. Go back and try again.',
        });
      }
      await this.allow(request, reply, fromPending(target, pending), session, chosen);
    });
  }

  /** Allow: the user's grant to the client in the organization chosen (made or widened), a code. */
  private async allow(
    request: FastifyRequest,
    reply: FastifyReply,
    authorization: AuthorizationRequest,
    session: CurrentBrowserSession,
    chosen: UserMembership,
  ): Promise<void> {
    const { client, scopes } = authorization;
    const grant = await this.grants.consent({
      clientId: client.id,
      userId: session.userId,
      organizationId: chosen.organizationId,
      scopes,
    });
    this.audit.consentGranted(client, grant, {
      scopes,
      firstParty: false,
      origin: originOf(request),
    });
    await this.issueCode(reply, authorization, session, grant, 303);
  }

  /** Deny: `access_denied` to the client, nothing remembered. */
  private async deny(
    request: FastifyRequest,
    reply: FastifyReply,
    target: AuthorizationTarget,
    pending: PendingAuthorization,
    chosen: UserMembership | undefined,
  ): Promise<void> {
    this.audit.consentDenied(target.client, {
      userId: pending.userId,
      organizationId: chosen?.organizationId ?? null,
      scopes: pending.scopes,
      origin: originOf(request),
    });
    const denied = new AccessDenied('The user denied the request');
    await this.redirectWithError(reply, target, denied, 303);
  }

  /**
   * Runs `step`; an OAuth error it throws is the client's answer, sent to its redirect URI (the
   * client and redirect URI are checked by then), and audited.
   */
  private async answering(
    request: FastifyRequest,
    reply: FastifyReply,
    target: AuthorizationTarget,
    status: RedirectStatus,
    step: () => Promise<void>,
  ): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      this.audit.authorizationRefused(target.client, {
        error: error.error,
        origin: originOf(request),
      });
      await this.redirectWithError(reply, target, error, status);
    }
  }

  private async redirectWithError(
    reply: FastifyReply,
    target: AuthorizationTarget,
    error: OAuthError,
    status: RedirectStatus,
  ): Promise<void> {
    await reply.redirect(
      errorResponse(target.redirectUri, error, { state: target.state, issuer: this.issuer }),
      status,
    );
  }

  /**
   * Whether a code may go to `uri`: one of the client's redirect URIs, exactly; for a first-party
   * client (which gets the user's own session, without consent) only on Tessera's own origin, so
   * a registration left by an origin Tessera no longer holds can never receive one.
   */
  private sendsCodesTo(client: OAuthClient, uri: string): boolean {
    if (!isRegisteredRedirectUri(client, uri)) return false;
    return !client.firstParty || originOfUri(uri) === this.issuerOrigin;
  }

  private async clientOf(parameters: AuthorizationParameters): Promise<OAuthClient | null> {
    const clientId = parameters.client_id;
    if (clientId === undefined || clientId.length > 100) return null;
    return this.clients.find(clientId);
  }

  /** Nothing is known to send the browser back to: a page, never a redirect. */
  private unknownClient(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    return this.errorPages.show(request, reply, 400, {
      heading: 'Unknown application',
      message:
        'The application that sent you here is not registered with Tessera. Go back to it and ' +
        'try again, or tell its developer.',
      code: 'invalid_client',
    });
  }

  /**
   * A redirect URI the client did not register, byte for byte (RFC 9700 section 4.1.3): sending
   * the browser there would hand an attacker the answer (an open redirect, a stolen code).
   */
  private unregisteredRedirectUri(
    request: FastifyRequest,
    reply: FastifyReply,
    client: OAuthClient,
  ): Promise<void> {
    this.audit.authorizationRefused(client, {
      error: 'invalid_redirect_uri',
      origin: originOf(request),
    });
    return this.errorPages.show(request, reply, 400, {
      heading: 'This link cannot be used',
      message:
        `${client.name} asked to send you back to an address it has not registered, so ` +
        'Tessera will not send you there. Tell the application’s developer.',
      code: 'invalid_redirect_uri',
    });
  }

  /** Who the browser is signed in as; the login page first, unless the client asked for none. */
  private async forSignedInUser(
    request: FastifyRequest,
    reply: FastifyReply,
    authorization: AuthorizationRequest,
  ): Promise<void> {
    const session = await this.browserSessions.current(request);
    if (!session || needsNewSignIn(authorization, session)) {
      if (authorization.prompt.has('none')) {
        throw new OAuthError('login_required', 'The user must sign in');
      }
      return this.toLoginPage(request, reply);
    }
    const memberships = await this.organizations.membershipsOf(
      session.userId,
      MAX_ORGANIZATION_CHOICES,
    );
    if (memberships.length === 0) {
      throw new AccessDenied('The user belongs to no organization');
    }
    if (!authorization.prompt.has('consent')) {
      const grant = await this.standingGrant(request, authorization, session, memberships);
      if (grant) return this.issueCode(reply, authorization, session, grant, 302);
    }
    if (authorization.prompt.has('none')) {
      throw new OAuthError('consent_required', 'The user must consent to this request');
    }
    await this.showConsent(request, reply, authorization, session, memberships);
  }

  /** The login page, back here once signed in (without asking again for a new sign-in). */
  private async toLoginPage(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const returnTo = safeReturnTo(withoutSignInDemands(request.url));
    if (returnTo === null) throw new InvalidRequest('The authorization request is too long');
    await reply.redirect(withReturnTo(LOGIN_PATH, returnTo), 303);
  }

  /**
   * A consent that stands: the user's grant to the client covering every scope asked for, in an
   * organization the user still belongs to (the client's own first); for a first-party client,
   * which is never asked about, its grant in the default organization, made or widened now.
   */
  private async standingGrant(
    request: FastifyRequest,
    authorization: AuthorizationRequest,
    session: CurrentBrowserSession,
    memberships: readonly UserMembership[],
  ): Promise<OAuthGrant | null> {
    const { client, scopes } = authorization;
    const memberOf = new Set(memberships.map((m) => m.organizationId));
    const covering = (await this.grants.grantsToClient(client.id, session.userId)).filter(
      (grant) =>
        memberOf.has(grant.organizationId) && coversScopes(scopeList(grant.scopes), scopes),
    );
    const remembered =
      covering.find((grant) => grant.organizationId === client.organizationId) ?? covering[0];
    if (remembered) return remembered;
    if (!client.firstParty) return null;
    const grant = await this.grants.consent({
      clientId: client.id,
      userId: session.userId,
      organizationId: defaultOrganization(client, memberships).organizationId,
      scopes,
    });
    this.audit.consentGranted(client, grant, {
      scopes,
      firstParty: true,
      origin: originOf(request),
    });
    return grant;
  }

  /**
   * The consent page: the client, each scope in words, the organizations to choose from (the
   * client's own first when the user is a member there), Allow and Deny. The request travels
   * sealed in the form (PendingAuthorizations), bound to this browser session.
   */
  private async showConsent(
    request: FastifyRequest,
    reply: FastifyReply,
    authorization: AuthorizationRequest,
    session: CurrentBrowserSession,
    memberships: readonly UserMembership[],
  ): Promise<void> {
    const { client } = authorization;
    const user = await this.users.findById(session.userId);
    const chosen = defaultOrganization(client, memberships);
    const returnTo = safeReturnTo(request.url);
    await this.pages.render(
      request,
      reply,
      'consent',
      {
        heading: `Authorize ${client.name}`,
        applicationName: client.name,
        email: user?.email ?? '',
        scopes: describeScopes(authorization.scopes),
        organizations: clientsFirst(client, memberships).map((m) => ({
          id: m.organizationId,
          name: m.name,
          role: roleLabel(m.role),
          checked: m.organizationId === chosen.organizationId,
        })),
        // A client of an organization the user is not in: the page says so, without naming it.
        fromOtherOrganization: !memberships.some((m) => m.organizationId === client.organizationId),
        redirectHost: hostOf(authorization.redirectUri),
        authorization: this.pending.seal(
          {
            clientId: client.id,
            redirectUri: authorization.redirectUri,
            scopes: authorization.scopes,
            state: authorization.state,
            nonce: authorization.nonce,
            codeChallenge: authorization.codeChallenge,
          },
          session,
        ),
        returnTo,
        switchUserPath: withReturnTo(LOGIN_PATH, returnTo),
      },
      200,
      { formRedirectsTo: [authorization.redirectUri] },
    );
  }

  /** The code for the grant, in the redirect (with `state` and `iss`). */
  private async issueCode(
    reply: FastifyReply,
    authorization: AuthorizationRequest,
    session: CurrentBrowserSession,
    grant: OAuthGrant,
    status: RedirectStatus,
  ): Promise<void> {
    const code = await this.codes.issue({
      grantId: grant.id,
      clientId: authorization.client.id,
      userId: session.userId,
      organizationId: grant.organizationId,
      redirectUri: authorization.redirectUri,
      scopes: authorization.scopes,
      codeChallenge: authorization.codeChallenge,
      nonce: authorization.nonce,
      authTime: session.authTime,
      amr: session.amr,
    });
    await reply.redirect(
      codeResponse(authorization.redirectUri, {
        code,
        state: authorization.state,
        issuer: this.issuer,
      }),
      status,
    );
  }
}

/** `prompt=login`, or a sign-in older than `max_age` seconds (OIDC Core section 3.1.2.1). */
function needsNewSignIn(
  authorization: AuthorizationRequest,
  session: CurrentBrowserSession,
): boolean {
  if (authorization.prompt.has('login')) return true;
  const maxAge = authorization.maxAgeSeconds;
  return maxAge !== null && Date.now() - session.authTime.getTime() > maxAge * 1000;
}

/** A redirect URI's origin; null for one that does not parse. */
function originOfUri(uri: string): string | null {
  try {
    return new URL(uri).origin;
  } catch {
    return null;
  }
}

/** The client's organization when the user belongs to it, else the user's first. */
function defaultOrganization(
  client: OAuthClient,
  memberships: readonly UserMembership[],
): UserMembership {
  return memberships.find((m) => m.organizationId === client.organizationId) ?? memberships[0];
}

/** The user's organizations, the client's own (when the user is in it) first. */
function clientsFirst(
  client: OAuthClient,
  memberships: readonly UserMembership[],
): UserMembership[] {
  const own = memberships.filter((m) => m.organizationId === client.organizationId);
  return [...own, ...memberships.filter((m) => m.organizationId !== client.organizationId)];
}

function fromPending(
  target: AuthorizationTarget,
  pending: PendingAuthorization,
): AuthorizationRequest {
  return {
    ...target,
    scopes: pending.scopes,
    nonce: pending.nonce,
    codeChallenge: pending.codeChallenge,
    prompt: new Set(),
    maxAgeSeconds: null,
  };
}

function roleLabel(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

/** The host the browser goes to once the page is answered (a native app's scheme, else). */
function hostOf(uri: string): string {
  try {
    const url = new URL(uri);
    return url.host || url.protocol.slice(0, -1);
  } catch {
    return uri;
  }
}
