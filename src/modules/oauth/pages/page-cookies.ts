import type { CookieSerializeOptions } from '@fastify/cookie';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EnvironmentVariables } from '../../../config/env.schema';

/**
 * A cookie's name as the browser stores it: `__Host-<base>` when it is Secure, which browsers
 * accept only from a secure origin, with Path=/ and no Domain, so no other host (a sibling
 * subdomain) can set or overwrite it; the plain name over http, where that prefix cannot be used.
 */
export function pageCookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export function issuerIsHttps(issuer: string): boolean {
  return issuer.toLowerCase().startsWith('https:');
}

/**
 * The hosted pages' cookies: HttpOnly, SameSite=Lax, Path=/, and Secure with the `__Host-` prefix
 * whenever the browser is on https: the issuer's URL is (the public address behind any
 * TLS-terminating proxy), or this request came over https, its own socket or X-Forwarded-Proto
 * from a proxy TRUST_PROXY trusts (Fastify's request.protocol). A cookie is read only under the
 * name of the request's own scheme: one a network attacker set over http is never read over https.
 */
@Injectable()
export class PageCookies {
  private readonly issuerIsHttps: boolean;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    this.issuerIsHttps = issuerIsHttps(config.get('TESSERA_ISSUER', { infer: true }));
  }

  isSecure(request: FastifyRequest): boolean {
    return this.issuerIsHttps || request.protocol === 'https';
  }

  read(request: FastifyRequest, base: string): string | undefined {
    // Page routes have them read already (page-plugins.ts); any other route reads them here.
    request.cookies ??= request.server.parseCookie(request.headers.cookie ?? '');
    return request.cookies[pageCookieName(base, this.isSecure(request))];
  }

  /** The value of a signed cookie (set with `signed: true`), or undefined if absent or forged. */
  readSigned(request: FastifyRequest, base: string): string | undefined {
    const raw = this.read(request, base);
    if (raw === undefined) return undefined;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid && unsigned.value !== null ? unsigned.value : undefined;
  }

  set(
    request: FastifyRequest,
    reply: FastifyReply,
    base: string,
    value: string,
    options: { maxAgeSeconds: number; signed?: boolean },
  ): void {
    void reply.setCookie(pageCookieName(base, this.isSecure(request)), value, {
      ...this.attributes(request),
      maxAge: options.maxAgeSeconds,
      signed: options.signed ?? false,
    });
  }

  clear(request: FastifyRequest, reply: FastifyReply, base: string): void {
    void reply.clearCookie(pageCookieName(base, this.isSecure(request)), this.attributes(request));
  }

  /** The attributes every page cookie has (a browser matches them to clear one). */
  attributes(request: FastifyRequest): CookieSerializeOptions {
    return { httpOnly: true, sameSite: 'lax', path: '/', secure: this.isSecure(request) };
  }
}
