import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  type KeyOrigin,
} from '../keys/service-account-key.entity';

export class ServiceAccountDto {
  @ApiProperty({ example: 'sa_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty({
    example: 'sa_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b',
    description: 'The account’s OAuth client_id (its id): `iss` and `sub` of its assertions',
  })
  client_id: string;
  @ApiProperty({ format: 'uuid' }) organization_id: string;
  @ApiProperty() disabled: boolean;
  @ApiProperty({ nullable: true, type: String }) disabled_at: string | null;
  @ApiProperty() created: string;
  @ApiProperty() updated: string;
}

/** The JSON document a pipeline keeps to get tokens (the shape of Google Cloud's key files). */
export class KeyFileDto {
  @ApiProperty({ enum: ['service_account'] }) type: 'service_account';
  @ApiProperty({ format: 'uuid' }) organization_id: string;
  @ApiProperty() service_account_id: string;
  @ApiProperty() client_id: string;
  @ApiProperty({ description: 'The `kid` of the assertions signed with this key' })
  private_key_id: string;
  @ApiProperty({ description: 'PKCS#8 PEM. Shown once, never stored by the server.' })
  private_key: string;
  @ApiProperty({
    example: 'https://auth.example.com/oauth/token',
    description: 'The `aud` of assertions',
  })
  token_uri: string;
}

export class CreatedServiceAccountDto extends ServiceAccountDto {
  @ApiProperty({
    type: KeyFileDto,
    description: 'The first key. Shown once, never again: store it as a secret now.',
  })
  key_file: KeyFileDto;
}

export class ServiceAccountListDto {
  @ApiProperty({ type: [ServiceAccountDto] }) data: ServiceAccountDto[];
  @ApiProperty() has_more: boolean;
}

const KEY_STATUSES = ['active', 'expired', 'revoked'] as const;
export type ServiceAccountKeyStatus = (typeof KEY_STATUSES)[number];

export class ServiceAccountKeyDto {
  @ApiProperty({ example: 'sak_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b' }) private_key_id: string;
  @ApiProperty() service_account_id: string;
  @ApiProperty({ enum: KEY_ALGORITHMS }) algorithm: KeyAlgorithm;
  @ApiProperty({
    enum: ['generated', 'uploaded'],
    description: 'generated: made by the server (its key file was shown once); uploaded: yours',
  })
  origin: KeyOrigin;
  @ApiProperty() created: string;
  @ApiProperty() expires: string;
  @ApiProperty({ nullable: true, type: String }) last_used: string | null;
  @ApiProperty({ nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty({ enum: KEY_STATUSES }) status: ServiceAccountKeyStatus;
}

export class CreatedServiceAccountKeyDto extends ServiceAccountKeyDto {
  @ApiPropertyOptional({
    type: KeyFileDto,
    description: 'A key made by the server only. Shown once, never again.',
  })
  key_file?: KeyFileDto;
}

export class ServiceAccountKeyListDto {
  @ApiProperty({ type: [ServiceAccountKeyDto] }) data: ServiceAccountKeyDto[];
  @ApiProperty() has_more: boolean;
}
