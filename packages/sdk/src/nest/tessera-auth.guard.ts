import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isWellFormedApiKey } from '../api-key-format';
import { AccessTokenVerifier } from './access-token.verifier';
import { ApiKeyVerifier } from './api-key.verifier';
import { PRINCIPAL_PROPERTY, TESSERA_PUBLIC, TESSERA_SCOPES } from './decorators';
import { invalidCredential, missingCredentials, missingScope, TesseraRefusal } from './refusals';
import { hasScope, type TesseraPrincipal } from './tessera-principal';

type Headers = Record<string, string | string[] | undefined>;

/**
 * Deny by default, as Tessera's own guard: every route needs a Tessera credential unless it is
 * @Public(), and every scope its @Scopes names. Tokens (JWTs) are checked offline, API keys by
 * Tessera; the refusals are Tessera's (401 "Missing credentials", 401 "Invalid or expired
 * token" or Tessera's own reason for a key, 403 "Missing scope: ...").
 */
@Injectable()
export class TesseraAuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AccessTokenVerifier) private readonly tokens: AccessTokenVerifier,
    @Inject(ApiKeyVerifier) private readonly apiKeys: ApiKeyVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(TESSERA_PUBLIC, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<{ headers: Headers } & Record<string, unknown>>();
    try {
      const principal = await this.authenticate(request.headers);
      request[PRINCIPAL_PROPERTY] = principal;
      const required = this.reflector.getAllAndOverride<string[]>(TESSERA_SCOPES, targets) ?? [];
      const missing = required.find((scope) => !hasScope(principal, scope));
      if (missing) throw missingScope(missing);
      return true;
    } catch (error) {
      // Headers such as Retry-After go on the answer; Nest sends the body.
      if (error instanceof TesseraRefusal) setHeaders(http.getResponse(), error.headers);
      throw error;
    }
  }

  private authenticate(headers: Headers): Promise<TesseraPrincipal> {
    const credential = credentialOf(headers);
    if (!credential) throw missingCredentials();
    if (looksLikeJwt(credential)) return this.tokens.verify(credential);
    // A typo or a made-up key is refused here, offline, without a request to Tessera.
    if (!isWellFormedApiKey(credential)) throw invalidCredential();
    return this.apiKeys.verify(credential);
  }
}

/** `Authorization: Bearer <token or key>`, else `X-API-Key`, as Tessera reads them. */
export function credentialOf(headers: Headers): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization)) {
    const token = authorization.slice(7).trim();
    if (token) return token;
  }
  const key = headers['x-api-key'];
  return typeof key === 'string' && key.trim() ? key.trim() : undefined;
}

function looksLikeJwt(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(credential);
}

/** Express (`setHeader`) and Fastify (`header`) replies alike. */
function setHeaders(reply: unknown, headers: Record<string, string>): void {
  const target = reply as {
    header?: (name: string, value: string) => void;
    setHeader?: (name: string, value: string) => void;
  };
  for (const [name, value] of Object.entries(headers)) {
    if (typeof target.header === 'function') target.header(name, value);
    else target.setHeader?.(name, value);
  }
}
