import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ListQueryDto } from '../../../common/http/pagination';
import { IsTimestamp } from '../../../common/validation/timestamp';
import { KEY_ENVIRONMENTS, KeyEnvironment } from '../api-key-format';
import { REFILL_INTERVALS, RefillInterval } from '../credits/credit-refill';
import { IsServiceAccountIdField } from './fields';
import type { ApiKeyStatus } from '../api-keys.repository';

const STATUSES: ApiKeyStatus[] = ['active', 'revoked', 'expired'];

export class CreditRefillViewDto {
  @ApiProperty({ enum: REFILL_INTERVALS }) interval: RefillInterval;
  @ApiProperty() amount: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Monthly only (null: the 1st)' })
  refill_day: number | null;
}

export class ApiKeyDto {
  @ApiProperty({ example: 'key_01a207be76577c3197ffec7da96c2b83' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'tk_live_AbC1' }) start: string;
  @ApiProperty({ enum: KEY_ENVIRONMENTS }) environment: KeyEnvironment;
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty() created: string;
  @ApiProperty({ nullable: true, type: String }) expires: string | null;
  @ApiProperty() rate_limit_per_hour: number;
  @ApiProperty({ type: [String] }) allowed_ips: string[];
  @ApiProperty({ nullable: true, type: String }) last_used: string | null;
  @ApiProperty({ nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty({ enum: STATUSES }) status: ApiKeyStatus;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'When a secret scanner reported the key leaked: it was revoked then, unless the ' +
      'organization’s leaked_key_policy is `flag` (the key keeps working until you rotate it)',
  })
  leak_reported_at: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'The service account the key acts for, if any',
  })
  service_account_id: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'Usage credits left (each request the key is let through for spends one); null: unlimited',
  })
  remaining: number | null;
  @ApiProperty({ nullable: true, type: CreditRefillViewDto })
  refill: CreditRefillViewDto | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'With a refill: when the credits were last set (created, updated or refilled)',
  })
  last_refill_at: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The secret. Shown once, never again.', example: 'tk_live_…' })
  key: string;
  @ApiPropertyOptional({
    description: 'After a rotation: the replaced key and when it stops working',
  })
  rotated_from?: { id: string; expires: string | null };
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) data: ApiKeyDto[];
  @ApiProperty() has_more: boolean;
}

export class ApiKeyListQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: KEY_ENVIRONMENTS })
  @IsOptional()
  @IsIn(KEY_ENVIRONMENTS)
  environment?: KeyEnvironment;

  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: ApiKeyStatus;

  @ApiPropertyOptional({ description: 'Only the keys of this service account' })
  @IsOptional()
  @IsServiceAccountIdField()
  service_account_id?: string;
}

export class UsageQueryDto {
  @ApiPropertyOptional({ description: 'ISO-8601; default: 24 hours (hour) or 30 days (day) ago' })
  @IsOptional()
  @IsTimestamp()
  since?: string;

  @ApiPropertyOptional({ description: 'ISO-8601; default: now' })
  @IsOptional()
  @IsTimestamp()
  until?: string;

  @ApiPropertyOptional({ enum: ['hour', 'day'], default: 'hour' })
  @IsOptional()
  @IsIn(['hour', 'day'])
  granularity?: 'hour' | 'day';
}

/** Each request counts once, by how it was answered. */
class UsagePeriodDto {
  @ApiProperty() period_start: string;
  @ApiProperty({ description: 'Requests the key was accepted for and that were answered' })
  requests: number;
  @ApiProperty({ description: 'Requests refused: the key revoked, expired, not allowed, or 429' })
  rejected: number;
  @ApiProperty({
    description: 'Requests the key was accepted for that the server failed to answer (5xx)',
  })
  failed: number;
}

export class UsageDto {
  @ApiProperty({ type: [UsagePeriodDto] }) data: UsagePeriodDto[];
  @ApiProperty({ nullable: true, type: String }) last_used: string | null;
  @ApiProperty({ nullable: true, type: String }) last_ip: string | null;
}
