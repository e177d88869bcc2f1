import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString } from 'class-validator';
import { MaxChars } from '../../../common/validation/max-chars';
import { Omittable } from '../../../common/validation/omittable';
import type { KeyAlgorithm } from '../keys/service-account-key.entity';
import { KeyAlgorithmField, KeyLifetimeDays } from './fields';

/** Far above an 8192-bit RSA key's PEM (about 1.5 KB) or certificate. */
export const MAX_PUBLIC_KEY_PEM_CHARS = 16_384;

/**
 * A new key: made by the server (a key file with the private key, once), or the caller's own
 * public key (`public_key` or `public_key_jwk`, one of them), for which nothing secret comes back.
 */
export class CreateServiceAccountKeyDto {
  @KeyAlgorithmField(
    'A key made by the server: RSA-2048 (RS256, default) or EC P-256. An uploaded key: must be its algorithm',
  )
  algorithm?: KeyAlgorithm;

  @KeyLifetimeDays()
  expires_in_days?: number;

  @ApiPropertyOptional({
    description:
      'Your own public key as PEM (SubjectPublicKeyInfo, PKCS#1 or an X.509 certificate): RSA 2048 to 8192 bits, or EC P-256',
    example: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----',
  })
  @Omittable()
  @IsString()
  @MaxChars(MAX_PUBLIC_KEY_PEM_CHARS)
  public_key?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Your own public key as a JWK (RFC 7517): RSA, or EC with crv P-256',
    example: { kty: 'EC', crv: 'P-256', x: '…', y: '…' },
  })
  @Omittable()
  @IsObject()
  public_key_jwk?: Record<string, unknown>;
}
