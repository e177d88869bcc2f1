import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `?limit=` (1..100, default 20) and `?starting_after=<id>`, as the contract's lists take them. */
export class ListQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Id of the last item of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  starting_after?: string;
}

export interface ListPage<T> {
  data: T[];
  has_more: boolean;
}

export const DEFAULT_PAGE_SIZE = 20;

/** Repositories fetch `limit + 1` rows; the extra row only tells whether there is a next page. */
export function toPage<T, R>(rows: T[], limit: number, map: (row: T) => R): ListPage<R> {
  return { data: rows.slice(0, limit).map(map), has_more: rows.length > limit };
}
