import { Injectable, Logger } from '@nestjs/common';
import type { Profile } from '@node-saml/node-saml';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hash } from 'node:crypto';
import { ServiceUnavailableError } from '../../../common/errors/api-errors';
import { originOf } from '../../../common/http/request-origin';
import { BrowserSessions } from '../../oauth/browser-sessions/browser-sessions.service';
import { HtmlErrorPages } from '../../oauth/pages/html-error-pages';
import { LOGIN_PATH, withReturnTo } from '../../oauth/pages/login/login-page.service';
import { PageRenderer } from '../../oauth/pages/page-renderer';
import { safeReturnTo } from '../../oauth/pages/return-to';
import { domainOfEmail } from '../connections/email-domains';
import { isSsoConnectionId } from '../connections/sso-connection-id';
import type { SsoConnection } from '../connections/sso-connection.entity';
import { SsoConnectionsRepository } from '../connections/sso-connections.repository';
import { JitProvisioning } from '../provisioning/jit-provisioning';
import { BrowserBindings } from './browser-binding';
import { checkAssertion } from './checked-assertion';
import { PendingAuthnRequests } from './pending-authn-requests';
import { RelayStates, safeTarget } from './relay-states';
import { checkResponseShape } from './response-shape';
import { SamlServiceProviders } from './saml-service-providers';
import { SamlStateStore } from './saml-state-store';
import { assertStrongSignatureAlgorithms } from './signature-algorithms';
import { SsoAuditTrail } from './sso-audit-trail';
import { identityOf } from './sso-identity';
import { refusalOfSamlError, SsoRefusal } from './sso-refusal';

/** The methods a SAML sign-in passed, as the login session records them (RFC 8176 has none). */
const SSO_AMR = ['saml'];

/**
 * The SP side of SAML SSO, for the pages: SP-initiated login (302 to the IdP with an
 * AuthnRequest, HTTP-Redirect binding), discovery by email domain, and the ACS, which fails
 * closed on every check (node-saml's: signature by a configured certificate over the data used,
 * no second assertion, audience, validity window with a bounded skew, InResponseTo a pending
 * request of this connection, or none only where IdP-initiated login is allowed; then
 * checked-assertion.ts's: issuer, Destination/Recipient, each assertion used once; then the
 * email within the connection's domains), then provisions the user, starts a browser session
 * and sends the browser on to a safe RelayState. A refusal is a 4xx page naming the reason.
 */
@Injectable()
export class SsoSignIn {
  private readonly logger = new Logger(SsoSignIn.name);

  constructor(
    private readonly connections: SsoConnectionsRepository,
    private readonly providers: SamlServiceProviders,
    private readonly store: SamlStateStore,
    private readonly pendingRequests: PendingAuthnRequests,
    private readonly bindings: BrowserBindings,
    private readonly relayStates: RelayStates,
    private readonly provisioning: JitProvisioning,
    private readonly browserSessions: BrowserSessions,
    private readonly trail: SsoAuditTrail,
    private readonly pages: PageRenderer,
    private readonly errorPages: HtmlErrorPages,
  ) {}

  /** GET /sso/:id/login: to the IdP. */
  async login(
    request: FastifyRequest,
    reply: FastifyReply,
    connectionId: string,
    returnTo: string | undefined,
  ): Promise<void> {
    let connection: SsoConnection | null = null;
    await this.answering(
      request,
      reply,
      () => connection,
      async () => {
        connection = await this.connection(connectionId);
        await this.redirectToIdp(request, reply, connection, returnTo ?? null);
      },
    );
  }

  /** GET /sso/login?email=: to the IdP of the connection that verified the email's domain. */
  async discover(
    request: FastifyRequest,
    reply: FastifyReply,
    email: string | undefined,
    returnTo: string | undefined,
  ): Promise<void> {
    const connection = await this.discovered(request, reply, email, returnTo ?? null);
    if (!connection) return;
    await this.answering(request, reply, connection, () =>
      this.redirectToIdp(request, reply, connection, returnTo ?? null),
    );
  }

  /**
   * POST /sso/login, the hosted login page's form: a page that goes on to the connection's
   * login by itself (a meta refresh, and a link). Not a redirect: browsers hold every redirect
   * after a form's submission to the page's CSP form-action, which cannot name every IdP.
   */
  async continueFromForm(
    request: FastifyRequest,
    reply: FastifyReply,
    email: string | undefined,
    returnTo: string | undefined,
  ): Promise<void> {
    const safeReturn = returnTo && safeTarget(null, returnTo) !== null ? returnTo : null;
    const connection = await this.discovered(request, reply, email, safeReturn);
    if (!connection) return;
    const loginPath = `/sso/${connection.id}/login`;
    await this.pages.render(request, reply, 'sso-continue', {
      heading: 'Sign in with SSO',
      connectionName: connection.name,
      refreshTo: safeReturn
        ? `${loginPath}?return_to=${encodeURIComponent(safeReturn)}`
        : loginPath,
    });
  }

  /**
   * The connection that verified the email's domain; else the form again, saying what was
   * wrong. A domain only claimed (pending) is answered as one nobody claimed: a claim proves
   * nothing, and sending people to the claimant's IdP would be phishing them.
   */
  private async discovered(
    request: FastifyRequest,
    reply: FastifyReply,
    email: string | undefined,
    returnTo: string | null,
  ): Promise<SsoConnection | null> {
    const typed = (email ?? '').trim();
    const domain = typed ? domainOfEmail(typed) : null;
    const connection = domain ? await this.connections.findByVerifiedDomain(domain) : null;
    if (connection) return connection;
    const refusal = typed ? new SsoRefusal(domain ? 'unknown_domain' : 'invalid_email') : null;
    await this.pages.render(
      request,
      reply,
      'sso-login',
      {
        heading: 'Sign in with SSO',
        email: typed,
        error: refusal?.description ?? null,
        returnTo,
        passwordPath: withReturnTo(LOGIN_PATH, returnTo && safeReturnTo(returnTo)),
      },
      refusal?.status ?? 200,
    );
    return null;
  }

  /** POST /sso/:id/acs: the IdP's answer. */
  async consume(
    request: FastifyRequest,
    reply: FastifyReply,
    connectionId: string,
    form: { SAMLResponse?: unknown; RelayState?: unknown },
  ): Promise<void> {
    let connection: SsoConnection | null = null;
    await this.answering(
      request,
      reply,
      () => connection,
      async () => {
        connection = await this.connection(connectionId);
        if (typeof form.SAMLResponse !== 'string' || form.SAMLResponse === '') {
          throw new SsoRefusal('missing_response');
        }
        const response = checkResponseShape(form.SAMLResponse);
        assertStrongSignatureAlgorithms(response.xml);
        // Taken before anything else is checked: whatever the outcome, a request is answered once.
        const pending =
          response.inResponseTo === null
            ? null
            : await this.pendingRequests.take(connection.id, response.inResponseTo);
        const sp = await this.providers.of(connection);
        let profile: Profile | null;
        try {
          profile = (await sp.saml.validatePostResponseAsync({ SAMLResponse: form.SAMLResponse }))
            .profile;
        } catch (error) {
          throw refusalOfSamlError(error);
        }
        if (!profile) throw new SsoRefusal('malformed_response');
        const assertion = checkAssertion(profile, response, connection, sp);
        await this.assertAnswersOwnRequest(
          request,
          connection,
          response.inResponseTo,
          assertion.answers,
          pending,
        );
        const identity = identityOf(profile, connection);
        await this.assertFirstUse(connection, assertion.id, assertion.expiresAtMs);

        const origin = originOf(request);
        const provisioned = await this.provisioning.provision(connection, identity, origin);
        await this.browserSessions.start(request, reply, provisioned.user, SSO_AMR);
        this.trail.signedIn(
          connection,
          provisioned.user.id,
          {
            email: identity.email,
            role: provisioned.role,
            provisioned: provisioned.created,
            idpInitiated: response.inResponseTo === null,
          },
          origin,
        );
        const target = await this.relayStates.targetOf(connection, form.RelayState);
        if (target) {
          await reply.redirect(target, 303);
          return;
        }
        await this.pages.render(request, reply, 'signed-in', {
          heading: 'You are signed in',
          email: provisioned.user.email,
        });
      },
    );
  }

  private async redirectToIdp(
    request: FastifyRequest,
    reply: FastifyReply,
    connection: SsoConnection,
    returnTo: string | null,
  ): Promise<void> {
    const requestId = this.pendingRequests.newId();
    const sp = await this.providers.of(connection, requestId);
    const relayState = await this.relayStates.remember(connection, returnTo);
    await this.pendingRequests.open(connection.id, requestId, this.bindings.bind(request, reply));
    const url = await sp.saml.getAuthorizeUrlAsync(relayState ?? '', undefined, {});
    await reply.redirect(url, 302);
  }

  /**
   * The answer is to a request this connection sent from this browser, taken already
   * (`pending`: the browser's binding it was sent for). Where IdP-initiated login is off, the
   * request must be named inside the signed assertion (the bearer confirmation's InResponseTo),
   * the same as the Response's: an unsolicited assertion in an envelope naming someone's
   * request would pass for an answer otherwise. Where it is on, an unsolicited response names
   * no request at all.
   */
  private async assertAnswersOwnRequest(
    request: FastifyRequest,
    connection: SsoConnection,
    named: string | null,
    signed: string | null,
    pending: string | null,
  ): Promise<void> {
    if (signed !== null && signed !== named) {
      // The request the assertion answers is spent as well.
      await this.pendingRequests.take(connection.id, signed);
      throw new SsoRefusal('unknown_request');
    }
    if (named === null) {
      if (!connection.allowIdpInitiated) throw new SsoRefusal('idp_initiated_disabled');
      return;
    }
    if (signed === null && !connection.allowIdpInitiated) {
      throw new SsoRefusal('idp_initiated_disabled');
    }
    if (pending === null) throw new SsoRefusal('unknown_request');
    if (!this.bindings.holds(request, pending)) throw new SsoRefusal('other_browser');
  }

  /** Each assertion accepted once per connection, until it expires (shared through Redis). */
  private async assertFirstUse(
    connection: SsoConnection,
    assertionId: string,
    expiresAtMs: number,
  ): Promise<void> {
    const key = `tessera:saml:assertion:${connection.id}:${hash('sha256', assertionId, 'base64url')}`;
    const ttl = Math.max(60_000, expiresAtMs - Date.now());
    if (!(await this.store.setOnce(key, '1', ttl, connection.id))) {
      throw new SsoRefusal('replayed');
    }
  }

  private async connection(id: string): Promise<SsoConnection> {
    const connection = isSsoConnectionId(id) ? await this.connections.findById(id) : null;
    if (!connection) throw new SsoRefusal('unknown_connection');
    return connection;
  }

  /** Runs `work`; a refusal is audited and answered as the error page with its status. */
  private async answering(
    request: FastifyRequest,
    reply: FastifyReply,
    connection: SsoConnection | null | (() => SsoConnection | null),
    work: () => Promise<void>,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      // Redis unreachable: a 503 the operator's monitoring sees, as for every shared check.
      if (error instanceof ServiceUnavailableError) throw error;
      let refusal: SsoRefusal;
      if (error instanceof SsoRefusal) refusal = error;
      else {
        // A defect, or input nothing above foresaw: refused all the same (fail closed), and
        // logged with its stack for whoever fixes it; the page names no detail.
        this.logger.error({ err: error }, 'SSO sign-in failed unexpectedly');
        refusal = new SsoRefusal('sign_in_failed');
      }
      const known = typeof connection === 'function' ? connection() : connection;
      this.trail.refused(known, refusal, originOf(request));
      await this.errorPages.show(request, reply, refusal.status, {
        heading: 'Single sign-on failed',
        message: refusal.description,
        code: refusal.reason,
      });
    }
  }
}
