import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BrowserSessions } from '../../browser-sessions/browser-sessions.service';
import { isRegisteredPostLogoutRedirectUri } from '../../clients/oauth-client-fields';
import { OAuthClientsCache } from '../../clients/oauth-clients.cache';
import type { OAuthClient } from '../../storage/oauth-client.entity';
import { withResponseParameters } from '../authorize/authorization-response';
import { PageRenderer } from '../page-renderer';
import { IdTokenHints } from './id-token-hints';
import type { LogoutFormDto } from './logout-form.dto';

const PARAMETERS = ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state'] as const;
type LogoutParameters = Partial<Record<(typeof PARAMETERS)[number], string>>;

/** Where a sign-out ends: the client's registered URI with its state, or Tessera's page. */
interface LogoutTarget {
  client: OAuthClient | null;
  /** A post-logout redirect URI the client registered, exactly; null: show the page. */
  destination: string | null;
  state: string | null;
}

/**
 * GET /oauth/logout, OpenID Connect RP-Initiated Logout 1.0. The browser goes back to
 * `post_logout_redirect_uri` (with `state`) only when the client named by the `id_token_hint`
 * (or `client_id`) registered that exact URI; otherwise it stays on Tessera's "signed out" page:
 * never an open redirect.
 *
 * A GET any page can make a browser send, so it signs out at once only with a valid
 * `id_token_hint` for the user signed in here (section 2: the RP proves it is theirs);
 * otherwise it asks first (section 4: "MUST ask the End-User"), on a form with a CSRF token,
 * so a third-party page cannot sign anyone out, as node-oidc-provider does.
 */
@Injectable()
export class RpInitiatedLogout {
  constructor(
    private readonly browserSessions: BrowserSessions,
    private readonly clients: OAuthClientsCache,
    private readonly hints: IdTokenHints,
    private readonly pages: PageRenderer,
  ) {}

  async request(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const parameters = logoutParameters(request.query);
    const hint = parameters.id_token_hint
      ? await this.hints.verify(parameters.id_token_hint)
      : null;
    const target = await this.targetOf(
      hint?.clientId,
      parameters.client_id,
      parameters.post_logout_redirect_uri,
      parameters.state,
    );
    const session = await this.browserSessions.current(request);
    if (!session) return this.finish(request, reply, target);
    if (hint && hint.userId === session.userId) {
      await this.browserSessions.end(request, reply, { clientId: target.client?.id });
      return this.finish(request, reply, target);
    }
    await this.confirm(request, reply, target);
  }

  /** The confirmation's answer: sign out, or stay; then the same destination either way. */
  async decide(request: FastifyRequest, reply: FastifyReply, form: LogoutFormDto): Promise<void> {
    const target = await this.targetOf(
      undefined,
      form.client_id,
      form.post_logout_redirect_uri,
      form.state,
    );
    if (form.decision === 'sign_out') {
      await this.browserSessions.end(request, reply, { clientId: target.client?.id });
      return this.finish(request, reply, target);
    }
    if (target.destination) return this.redirect(reply, target);
    await this.pages.render(request, reply, 'signed-out', {
      heading: 'You are still signed in',
      message: 'Nothing changed. You can close this page.',
    });
  }

  /**
   * The client the request names (by the hint's audience or `client_id`: both must agree when
   * both are given), and its post-logout URI if it registered it, byte for byte.
   */
  private async targetOf(
    hintedClientId: string | undefined,
    clientId: string | undefined,
    uri: string | undefined,
    state: string | undefined,
  ): Promise<LogoutTarget> {
    const named =
      hintedClientId !== undefined && clientId !== undefined && hintedClientId !== clientId
        ? undefined
        : (hintedClientId ?? clientId);
    const client = named && named.length <= 100 ? await this.clients.find(named) : null;
    const destination =
      client && uri !== undefined && isRegisteredPostLogoutRedirectUri(client, uri) ? uri : null;
    return { client, destination, state: state ?? null };
  }

  /** "Sign out of Tessera?", posting to POST /oauth/logout with the request's target. */
  private confirm(
    request: FastifyRequest,
    reply: FastifyReply,
    target: LogoutTarget,
  ): Promise<void> {
    return this.pages.render(
      request,
      reply,
      'logout',
      {
        heading: 'Sign out of Tessera?',
        applicationName: target.client?.name ?? null,
        clientId: target.client?.id ?? null,
        destination: target.destination,
        state: target.state,
      },
      200,
      { formRedirectsTo: target.destination ? [target.destination] : [] },
    );
  }

  private async finish(
    request: FastifyRequest,
    reply: FastifyReply,
    target: LogoutTarget,
  ): Promise<void> {
    if (target.destination) return this.redirect(reply, target);
    await this.pages.render(request, reply, 'signed-out', {
      heading: 'You are signed out',
      message: 'You have signed out of Tessera. You can close this page.',
    });
  }

  private async redirect(reply: FastifyReply, target: LogoutTarget): Promise<void> {
    await reply.redirect(withResponseParameters(target.destination!, { state: target.state }), 303);
  }
}

/** The parameters as single strings; a repeated or empty one counts as absent. */
function logoutParameters(query: unknown): LogoutParameters {
  const fields = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const parameters: LogoutParameters = {};
  for (const name of PARAMETERS) {
    const value = fields[name];
    if (typeof value === 'string' && value !== '') parameters[name] = value;
  }
  return parameters;
}
