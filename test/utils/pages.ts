import request from 'supertest';
import type { TestApp } from './create-app';

/** One Set-Cookie line, read. */
export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; flags (HttpOnly, Secure) are `true`. */
  attributes: Record<string, string | true>;
}

export function parseSetCookie(line: string): SetCookie {
  const [pair, ...rest] = line.split(';').map((part) => part.trim());
  const at = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const attribute of rest) {
    const eq = attribute.indexOf('=');
    if (eq === -1) attributes[attribute.toLowerCase()] = true;
    else attributes[attribute.slice(0, eq).toLowerCase()] = attribute.slice(eq + 1);
  }
  return { name: pair.slice(0, at), value: decodeURIComponent(pair.slice(at + 1)), attributes };
}

export function setCookiesOf(response: request.Response): SetCookie[] {
  const header = response.headers['set-cookie'] as unknown as string[] | string | undefined;
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.map(parseSetCookie);
}

/** The value of a page's hidden input (`_csrf`, `return_to`), HTML entities decoded; or null. */
export function hiddenField(html: string, name: string): string | null {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  return match ? decodeEntities(match[1]) : null;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * A browser in miniature for the hosted pages: it keeps the cookies the app sets (whatever their
 * Secure flag: supertest speaks plain http, `headers` may say X-Forwarded-Proto: https) and sends
 * them back, and posts forms with the CSRF token of the last page it got.
 */
export class PageClient {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that had a form. */
  csrfToken: string | null = null;

  constructor(
    private readonly t: TestApp,
    private readonly headers: Record<string, string> = {},
  ) {}

  /** GETs a page; with `status`, fails unless the answer has it. */
  async get(path: string, status?: number): Promise<request.Response> {
    return this.keep(await this.with(request(this.t.http).get(path)), status);
  }

  /** Posts `fields` as a form, with the last page's CSRF token unless `_csrf` is given. */
  async post(
    path: string,
    fields: Record<string, string>,
    status?: number,
  ): Promise<request.Response> {
    const form = new URLSearchParams({
      ...(this.csrfToken === null ? {} : { _csrf: this.csrfToken }),
      ...fields,
    });
    const test = this.with(request(this.t.http).post(path)).type('form').send(form.toString());
    return this.keep(await test, status);
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private with(test: request.Test): request.Test {
    void test.set(this.headers);
    if (this.cookies.size > 0) void test.set('Cookie', this.cookieHeader());
    return test;
  }

  private keep(response: request.Response, status?: number): request.Response {
    if (status !== undefined && response.status !== status) {
      throw new Error(`Expected ${status}, got ${response.status}: ${response.text.slice(0, 500)}`);
    }
    for (const cookie of setCookiesOf(response)) {
      if (cookie.attributes['max-age'] === '0') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, encodeURIComponent(cookie.value));
    }
    const token = hiddenField(response.text ?? '', '_csrf');
    if (token !== null) this.csrfToken = token;
    return response;
  }
}
