import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { Omittable } from '../../common/validation/omittable';
import { prefixedId } from '../../common/ids';
import { Access, Principal } from '../../common/auth/decorators';
import { environmentOf, type Principal as Caller } from '../../common/auth/principal';
import {
  CreatedDocumentDto,
  ModelDownloadDto,
  ModelListDto,
  TranslationDto,
  TranslationStatusDto,
} from './dto/example-responses.dto';

class TranslateDto {
  @ApiProperty({ example: 'Hello, world' })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  text: string;

  @ApiProperty({ example: 'de' })
  @IsString()
  @MaxLength(10)
  target_language: string;

  @ApiPropertyOptional({ example: 'en' })
  @Omittable()
  @IsString()
  @MaxLength(10)
  source_language?: string;
}

class DocumentDto {
  @ApiProperty({ example: 'contract.pdf' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ enum: ['text/plain', 'application/pdf'] })
  @Omittable()
  @IsIn(['text/plain', 'application/pdf'])
  content_type?: string;
}

const MODELS = [
  { id: 'tessera-mt-small', name: 'Tessera MT small', languages: ['en', 'de', 'fr'] },
  { id: 'tessera-mt-large', name: 'Tessera MT large', languages: ['en', 'de', 'fr', 'es', 'ja'] },
];

/**
 * Example resources that show per-method scope enforcement with @Access({ scopes }). They do no real work:
 * they echo who called and in which environment (`test`/`dev` keys are sandbox traffic).
 */
@ApiTags('examples')
@Controller('v1')
export class ExamplesController {
  @Access({ scopes: ['translate:write'], errors: [422] })
  @Post('translate')
  @ApiOperation({ summary: 'Example: needs translate:write' })
  @ApiCreatedResponse({ type: TranslationDto })
  translate(@Principal() caller: Caller, @Body() dto: TranslateDto) {
    return {
      id: prefixedId('tr'),
      source_language: dto.source_language ?? 'auto',
      target_language: dto.target_language,
      translated_text: `[${dto.target_language}] ${dto.text}`,
      environment: environmentOf(caller),
      organization_id: caller.organizationId,
    };
  }

  @Access({ scopes: ['translate:read'] })
  @Get('translate/:id')
  @ApiOperation({ summary: 'Example: needs translate:read' })
  @ApiOkResponse({ type: TranslationStatusDto })
  getTranslation(@Principal() caller: Caller, @Param('id') id: string) {
    return { id, status: 'completed', environment: environmentOf(caller) };
  }

  @Access({ scopes: ['models:read'] })
  @Get('models')
  @ApiOperation({ summary: 'Example: needs models:read' })
  @ApiOkResponse({ type: ModelListDto })
  models() {
    return { data: MODELS, has_more: false };
  }

  @Access({ scopes: ['models:download'] })
  @Get('models/:id/download')
  @ApiOperation({ summary: 'Example: needs models:download' })
  @ApiOkResponse({ type: ModelDownloadDto })
  download(@Param('id') id: string) {
    return {
      id,
      download_url: `https://models.invalid/${encodeURIComponent(id)}`,
      expires_in: 300,
    };
  }

  @Access({ scopes: ['documents:write'], errors: [422] })
  @Post('documents')
  @ApiOperation({ summary: 'Example: needs documents:write' })
  @ApiCreatedResponse({ type: CreatedDocumentDto })
  createDocument(@Principal() caller: Caller, @Body() dto: DocumentDto) {
    return {
      id: prefixedId('doc'),
      name: dto.name,
      content_type: dto.content_type ?? 'text/plain',
      environment: environmentOf(caller),
    };
  }
}
