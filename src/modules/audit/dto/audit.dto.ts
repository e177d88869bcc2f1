import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ListQueryDto } from '../../../common/http/pagination';
import { IsTimestamp } from '../../../common/validation/timestamp';

const OUTCOMES = ['success', 'failure', 'denied'];

export class AuditListQueryDto extends ListQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(60) action?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(80) actor_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(80) target_id?: string;
  @ApiPropertyOptional({ enum: OUTCOMES }) @IsOptional() @IsIn(OUTCOMES) outcome?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() since?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() until?: string;
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

/** Why `verify` found a chain invalid. */
export const CHAIN_PROBLEMS = [
  'chain_broken',
  'anchor_missing',
  'anchor_forged',
  'start_mismatch',
  'events_missing',
  'head_mismatch',
  'unanchored_events',
  'out_of_chain',
] as const;
export type ChainProblem = (typeof CHAIN_PROBLEMS)[number];

export class AuditAnchorDto {
  @ApiProperty({ description: 'Sequence number of the newest event the anchor covers' })
  seq: number;
  @ApiProperty({ description: 'Hash of that event' }) hash: string;
  @ApiProperty({
    description:
      'HMAC-SHA256 over the chain, start and head, keyed from the master key: only the server ' +
      'can make one. Keep a copy (seq, hash) elsewhere to check later that the chain still holds it',
  })
  hmac: string;
  @ApiProperty({ description: 'Where the chain starts: 0, or the last event removed by retention' })
  start_seq: number;
  @ApiProperty() start_hash: string;
  @ApiProperty({ description: 'When the anchor was last moved (not covered by the HMAC)' })
  anchored_at: string;
}

export class AuditVerifyDto {
  @ApiProperty() valid: boolean;
  @ApiProperty() events_checked: number;
  @ApiPropertyOptional() first_broken_id?: string;
  @ApiPropertyOptional({
    enum: CHAIN_PROBLEMS,
    description:
      'Why the chain is invalid: chain_broken (an event edited, removed or reordered), ' +
      'anchor_missing, anchor_forged (not signed with this server’s key), start_mismatch (its ' +
      'oldest events removed), events_missing (its newest events removed), head_mismatch (hashes ' +
      'recomputed or events replaced), unanchored_events (events written around the server)',
  })
  reason?: ChainProblem;
  @ApiProperty({
    type: AuditAnchorDto,
    nullable: true,
    description: 'The signed head of the chain as stored; null when it has none',
  })
  anchor: AuditAnchorDto | null;
}
