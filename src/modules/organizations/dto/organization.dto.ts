import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { MaxChars } from '../../../common/validation/max-chars';
import { Omittable } from '../../../common/validation/omittable';
import { LEAKED_KEY_POLICIES, LeakedKeyPolicy } from '../leaked-key-policy';
import { PLANS, Plan } from '../plans';
import { ROLES, Role } from '../roles';

/** The organizations.name column's length; personal organizations' names are cut to fit it too. */
export const ORGANIZATION_NAME_MAX_CHARS = 200;

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Acme Translations' })
  @IsString()
  @MinLength(1)
  @MaxChars(ORGANIZATION_NAME_MAX_CHARS)
  name: string;
}

export class UpdateOrganizationDto {
  @ApiPropertyOptional()
  @Omittable()
  @IsString()
  @MinLength(1)
  @MaxChars(ORGANIZATION_NAME_MAX_CHARS)
  name?: string;

  @ApiPropertyOptional({ enum: PLANS, description: 'Instance administrator only' })
  @Omittable()
  @IsIn(PLANS)
  plan?: Plan;

  @ApiPropertyOptional({ description: 'Instance administrator only; the enterprise plan limit' })
  @Omittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rate_limit_per_minute?: number;

  @ApiPropertyOptional({
    enum: LEAKED_KEY_POLICIES,
    description:
      'What a leaked-key report from a secret scanner does to this organization’s keys: ' +
      '`revoke` them at once, or `flag` them (`leak_reported_at`) and leave them working',
  })
  @Omittable()
  @IsIn(LEAKED_KEY_POLICIES)
  leaked_key_policy?: LeakedKeyPolicy;
}

export class OrganizationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: PLANS }) plan: Plan;
  @ApiProperty({ description: 'Effective requests per minute of the plan' })
  rate_limit_per_minute: number;
  @ApiProperty() personal: boolean;
  @ApiProperty({ enum: LEAKED_KEY_POLICIES, description: 'What a leaked-key report does' })
  leaked_key_policy: LeakedKeyPolicy;
  @ApiPropertyOptional({ enum: ROLES, description: "The caller's role, for a user" }) role?: Role;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class OrganizationListDto {
  @ApiProperty({ type: [OrganizationDto] }) data: OrganizationDto[];
  @ApiProperty() has_more: boolean;
}
