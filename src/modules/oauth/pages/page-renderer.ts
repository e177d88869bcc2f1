import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pageCspAllowingRedirectsTo } from '../../../common/http/security-headers';
import { PageAssets } from './page-assets';
import { PageCookies } from './page-cookies';

/** What every page's template gets, besides its own data. */
export interface PageContext {
  /** The page's <h1> (and the start of its <title>). */
  heading: string;
  /** "to continue to <clientName>" under the heading (the authorize flow's client). */
  clientName?: string | null;
  /** "... for <organizationName>", with clientName. */
  organizationName?: string | null;
}

export interface PageOptions {
  /**
   * Where the answer to the page's form may redirect the browser besides this origin (an OAuth
   * client's redirect URI): added to the page's CSP `form-action` (security-headers.ts).
   */
  formRedirectsTo?: readonly string[];
}

/**
 * Sends a page: the view (views/<view>.eta) inside the one layout, with the URLs of the
 * stylesheet and the icon, and a CSRF token for its forms (the secret's cookie is set on first
 * use). The page security headers come from the @Page route (page-routes.ts).
 */
@Injectable()
export class PageRenderer {
  constructor(
    private readonly assets: PageAssets,
    private readonly cookies: PageCookies,
  ) {}

  async render(
    request: FastifyRequest,
    reply: FastifyReply,
    view: string,
    data: PageContext & Record<string, unknown>,
    status = 200,
    options: PageOptions = {},
  ): Promise<void> {
    if (options.formRedirectsTo?.length) {
      void reply.header(
        'content-security-policy',
        pageCspAllowingRedirectsTo(options.formRedirectsTo),
      );
    }
    const csrfToken = reply.generateCsrf({ secure: this.cookies.isSecure(request) });
    const html = await reply.viewAsync(`${view}.eta`, {
      clientName: null,
      organizationName: null,
      ...data,
      csrfToken,
      stylesheet: this.assets.stylesheet.path,
      icon: this.assets.icon.path,
    });
    await reply.status(status).type('text/html; charset=utf-8').send(html);
  }
}
