import { ApiProperty } from '@nestjs/swagger';

/**
 * What the example resources answer, for the OpenAPI document (and so the SDK's types and the
 * API reference): they echo the caller's organization and environment.
 */
const ENVIRONMENTS = ['live', 'test', 'dev'];

export class TranslationDto {
  @ApiProperty({ example: 'tr_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b' }) id: string;
  @ApiProperty({ example: 'en', description: '`auto` when the request named none' })
  source_language: string;
  @ApiProperty({ example: 'de' }) target_language: string;
  @ApiProperty({ example: '[de] Hello, world' }) translated_text: string;
  @ApiProperty({ enum: ENVIRONMENTS, description: 'test and dev keys are sandbox traffic' })
  environment: string;
  @ApiProperty({ format: 'uuid' }) organization_id: string;
}

export class TranslationStatusDto {
  @ApiProperty({ example: 'tr_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b' }) id: string;
  @ApiProperty({ example: 'completed' }) status: string;
  @ApiProperty({ enum: ENVIRONMENTS }) environment: string;
}

export class ModelDto {
  @ApiProperty({ example: 'tessera-mt-small' }) id: string;
  @ApiProperty({ example: 'Tessera MT small' }) name: string;
  @ApiProperty({ example: ['en', 'de', 'fr'], type: [String] }) languages: string[];
}

export class ModelListDto {
  @ApiProperty({ type: [ModelDto] }) data: ModelDto[];
  @ApiProperty() has_more: boolean;
}

export class ModelDownloadDto {
  @ApiProperty({ example: 'tessera-mt-small' }) id: string;
  @ApiProperty({ example: 'https://models.invalid/tessera-mt-small' }) download_url: string;
  @ApiProperty({ example: 300, description: 'Seconds the URL stays valid' }) expires_in: number;
}

export class CreatedDocumentDto {
  @ApiProperty({ example: 'doc_0193a6f1c2d47b3e8a9f0c1d2e3f4a5b' }) id: string;
  @ApiProperty({ example: 'contract.pdf' }) name: string;
  @ApiProperty({ enum: ['text/plain', 'application/pdf'] }) content_type: string;
  @ApiProperty({ enum: ENVIRONMENTS }) environment: string;
}
