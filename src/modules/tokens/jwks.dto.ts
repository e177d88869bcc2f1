import { ApiProperty } from '@nestjs/swagger';

/** One RS256 public key of the JWKS (RFC 7517), for the OpenAPI document. */
export class PublicJwkDto {
  @ApiProperty({ example: 'RSA' }) kty: string;
  @ApiProperty({ example: '2026-11-01-a1b2' }) kid: string;
  @ApiProperty({ example: 'sig' }) use: string;
  @ApiProperty({ example: 'RS256' }) alg: string;
  @ApiProperty({ description: 'Modulus, base64url' }) n: string;
  @ApiProperty({ example: 'AQAB' }) e: string;
}

export class JwksDto {
  @ApiProperty({
    type: [PublicJwkDto],
    description: 'The current key and the previous ones still verifying live tokens',
  })
  keys: PublicJwkDto[];
}
