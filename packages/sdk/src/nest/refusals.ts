import { HttpException } from '@nestjs/common';

/**
 * Tessera's own answers (API.md, "Conventions"), so a client of the resource server sees what
 * it would see from Tessera: `{"detail": ..., "code"?: ...}`.
 */
export class TesseraRefusal extends HttpException {
  constructor(status: number, detail: string, code?: string, headers?: Record<string, string>) {
    super(code ? { detail, code } : { detail }, status);
    this.headers = headers ?? {};
  }

  readonly headers: Record<string, string>;
}

export const missingCredentials = () =>
  new TesseraRefusal(401, 'Missing credentials', 'missing_credentials');
export const invalidCredential = () => new TesseraRefusal(401, 'Invalid or expired token');
export const missingScope = (scope: string) =>
  new TesseraRefusal(403, `Missing scope: ${scope}`, 'missing_scope');
export const tesseraUnavailable = () => new TesseraRefusal(503, 'Service unavailable');
