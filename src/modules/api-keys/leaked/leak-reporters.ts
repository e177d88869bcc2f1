import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { EnvironmentVariables } from '../../../config/env.schema';
import { parseReporterKeys, ReporterKeys, signs } from './reporter-keys';

/** Why a report's signature was refused (audited, and the 401's code). */
export type ReporterRefusal = 'missing_signature' | 'unknown_reporter_key' | 'invalid_signature';

export type ReporterCheck = { reporterKeyId: string } | { refused: ReporterRefusal };

/**
 * The header pairs a report's signature may come in: GitHub's secret scanning partner program's,
 * and Tessera's own names for any other reporter signing the same way.
 */
const SIGNATURE_HEADERS = [
  { keyId: 'github-public-key-identifier', signature: 'github-public-key-signature' },
  { keyId: 'x-tessera-reporter-key-id', signature: 'x-tessera-reporter-signature' },
] as const;

/**
 * Who may report leaked keys: the holders of the private halves of LEAKED_KEY_REPORTER_KEYS
 * (read once, at start). A report is theirs when its headers name one of those keys and carry
 * its ECDSA P-256 / SHA-256 signature over the body's exact bytes, as GitHub signs.
 */
@Injectable()
export class LeakReporters {
  private readonly keys: ReporterKeys;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    this.keys = parseReporterKeys(config.get('LEAKED_KEY_REPORTER_KEYS', { infer: true }));
  }

  check(request: FastifyRequest, body: Buffer): ReporterCheck {
    const presented = signatureOf(request);
    if (!presented) return { refused: 'missing_signature' };
    const key = this.keys.get(presented.keyId);
    if (!key) return { refused: 'unknown_reporter_key' };
    if (!signs(key, body, presented.signature)) return { refused: 'invalid_signature' };
    return { reporterKeyId: presented.keyId };
  }
}

/** The first header pair the request carries in full; a repeated header is no valid one. */
function signatureOf(request: FastifyRequest): { keyId: string; signature: string } | null {
  for (const names of SIGNATURE_HEADERS) {
    const keyId = request.headers[names.keyId];
    const signature = request.headers[names.signature];
    if (typeof keyId === 'string' && typeof signature === 'string' && keyId && signature) {
      return { keyId, signature };
    }
  }
  return null;
}
