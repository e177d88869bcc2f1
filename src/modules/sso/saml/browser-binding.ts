import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hash, timingSafeEqual } from 'node:crypto';
import { randomOpaqueToken } from '../../../common/crypto/secrets';
import { EnvironmentVariables } from '../../../config/env.schema';
import { issuerIsHttps, pageCookieName } from '../../oauth/pages/page-cookies';
import { AUTHN_REQUEST_TTL_MS } from './pending-authn-requests';

const COOKIE = 'tessera_sso';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Ties a pending AuthnRequest to the browser that started it, so an answer is accepted only in
 * that browser: without it, anyone could start a login, have their IdP answer it, and post the
 * answer from a victim's browser (login CSRF: the victim works in the attacker's account).
 * /sso/:id/login sets a random cookie (kept while logins are in progress, one per browser) and
 * the pending request stores its hash; the ACS compares.
 *
 * The IdP's POST to the ACS comes from another site, which carries only SameSite=None cookies,
 * and browsers keep those only with Secure: on https (TESSERA_ISSUER, or the request through a
 * TRUST_PROXY proxy), and on http://localhost or a loopback address, which browsers treat as
 * secure. On plain http elsewhere the cookie is SameSite=Lax, so only an IdP on the same site
 * works there; the check is never skipped.
 */
@Injectable()
export class BrowserBindings {
  private readonly issuerIsHttps: boolean;
  private readonly issuerIsLoopback: boolean;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    const issuer = config.get('TESSERA_ISSUER', { infer: true });
    this.issuerIsHttps = issuerIsHttps(issuer);
    this.issuerIsLoopback = isLoopback(issuer);
  }

  /** The hash of this browser's binding (its cookie, set or renewed on `reply`). */
  bind(request: FastifyRequest, reply: FastifyReply): string {
    const https = this.isHttps(request);
    const held = this.cookieOf(request);
    const token = held !== undefined && TOKEN.test(held) ? held : randomOpaqueToken(32);
    const crossSite = https || this.issuerIsLoopback;
    void reply.setCookie(pageCookieName(COOKIE, https), token, {
      httpOnly: true,
      path: '/',
      secure: crossSite,
      sameSite: crossSite ? 'none' : 'lax',
      maxAge: AUTHN_REQUEST_TTL_MS / 1000,
    });
    return bindingHash(token);
  }

  /** Whether this request comes from the browser whose binding hash is `expected`. */
  holds(request: FastifyRequest, expected: string): boolean {
    const token = this.cookieOf(request);
    if (token === undefined || !TOKEN.test(token)) return false;
    const [a, b] = [Buffer.from(bindingHash(token)), Buffer.from(expected)];
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private cookieOf(request: FastifyRequest): string | undefined {
    request.cookies ??= request.server.parseCookie(request.headers.cookie ?? '');
    return request.cookies[pageCookieName(COOKIE, this.isHttps(request))];
  }

  private isHttps(request: FastifyRequest): boolean {
    return this.issuerIsHttps || request.protocol === 'https';
  }
}

function bindingHash(token: string): string {
  return hash('sha256', token, 'base64url');
}

function isLoopback(issuer: string): boolean {
  try {
    const host = new URL(issuer).hostname.toLowerCase();
    return LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost') || /^127\./.test(host);
  } catch {
    return false;
  }
}
