import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { RETURN_TO_MAX_LENGTH } from '../return-to';

/**
 * The hosted pages' fields are all optional strings here: the browser validates what a person
 * types, and a missing or wrong value is answered on the page itself (login-page.service.ts),
 * not as the API's 422. Only a form no page would send (a repeated field, an unknown one, an
 * oversized value) is refused, with the error page.
 */
export class LoginPageQueryDto {
  @ApiPropertyOptional({
    description: 'Where to go once signed in: a path under /oauth/ on this server',
    example: '/oauth/authorize?client_id=...',
  })
  @IsOptional()
  @IsString()
  @MaxLength(RETURN_TO_MAX_LENGTH)
  return_to?: string;
}

/** Fields every page form carries. */
export class PageFormDto extends LoginPageQueryDto {
  @ApiPropertyOptional({ description: 'The CSRF token of the page the form came from' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  _csrf?: string;
}

export class PasswordFormDto extends PageFormDto {
  @ApiPropertyOptional({ example: 'ada@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(256)
  password?: string;
}

export class CodeFormDto extends PageFormDto {
  @ApiPropertyOptional({ description: 'The six-digit TOTP code', example: '123456' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  code?: string;
}
