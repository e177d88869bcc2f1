import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

export class UpdateApiKeyDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  allowed_ips?: string[];

  @ApiPropertyOptional({ minimum: 10, maximum: 100000 })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(100000)
  rate_limit_per_hour?: number;

  @ApiPropertyOptional({ type: [String], description: 'Only narrower than the current scopes' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  scopes?: string[];
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 720, default: 24 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(720)
  grace_period_hours?: number;
}
