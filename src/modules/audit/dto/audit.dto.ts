import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { ListQueryDto } from '../../../common/http/pagination';

const OUTCOMES = ['success', 'failure', 'denied'];

export class AuditListQueryDto extends ListQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(60) action?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(80) actor_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(80) target_id?: string;
  @ApiPropertyOptional({ enum: OUTCOMES }) @IsOptional() @IsIn(OUTCOMES) outcome?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) since?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) until?: string;
}

class AuditActorDto {
  @ApiProperty() type: string;
  @ApiProperty({ nullable: true, type: String }) id: string | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
}

class AuditTargetDto {
  @ApiProperty({ nullable: true, type: String }) type: string | null;
  @ApiProperty({ nullable: true, type: String }) id: string | null;
}

export class AuditEventDto {
  @ApiProperty() id: string;
  @ApiProperty() occurred_at: string;
  @ApiProperty({ nullable: true, type: String }) organization_id: string | null;
  @ApiProperty({ type: AuditActorDto }) actor: AuditActorDto;
  @ApiProperty({ example: 'api_key.revoked' }) action: string;
  @ApiProperty({ type: AuditTargetDto }) target: AuditTargetDto;
  @ApiProperty({ enum: OUTCOMES }) outcome: string;
  @ApiProperty({ nullable: true, type: String }) request_id: string | null;
  @ApiProperty({ type: Object }) metadata: Record<string, unknown>;
  @ApiProperty({ description: 'Position in the organization’s chain' }) seq: number;
  @ApiProperty() prev_hash: string;
  @ApiProperty({ description: 'SHA-256 of the canonical JSON of the event' }) hash: string;
}

export class AuditListDto {
  @ApiProperty({ type: [AuditEventDto] }) data: AuditEventDto[];
  @ApiProperty() has_more: boolean;
}

export class AuditVerifyDto {
  @ApiProperty() valid: boolean;
  @ApiProperty() events_checked: number;
  @ApiPropertyOptional() first_broken_id?: string;
}
