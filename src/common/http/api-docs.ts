import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

export class ErrorDto {
  @ApiProperty({ example: 'Invalid or expired token' }) detail: string;
  @ApiProperty({ required: false, example: 'missing_scope' }) code?: string;
}

class ValidationIssueDto {
  @ApiProperty({ example: ['body', 'email'], type: [String] }) loc: (string | number)[];
  @ApiProperty({ example: 'value is not a valid email address' }) msg: string;
  @ApiProperty({ example: 'value_error.email' }) type: string;
}

export class ValidationErrorDto {
  @ApiProperty({ type: [ValidationIssueDto] }) detail: ValidationIssueDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request',
  401: 'Missing, invalid or expired credential',
  403: 'Missing scope or permission',
  404: 'Not found (or another organization’s)',
  409: 'Conflict',
  413: 'Request body too large',
  422: 'Validation failed',
  429: 'Rate limit exceeded (Retry-After header)',
  503: 'Database unavailable',
};

/** Documents the contract's error answers of a route: `@ApiErrors(401, 403, 422)`. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        type: status === 422 ? ValidationErrorDto : ErrorDto,
      }),
    ),
  );
}
