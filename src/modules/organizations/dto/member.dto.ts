import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsIn } from 'class-validator';
import { MaxChars } from '../../../common/validation/max-chars';
import { ROLES, Role } from '../roles';

export class AddMemberDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail({}, { message: 'value is not a valid email address' })
  @MaxChars(320)
  email: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}

export class UpdateMemberDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}

export class MemberDto {
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty() email: string;
  @ApiProperty() full_name: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty() joined_at: string;
}

export class MemberListDto {
  @ApiProperty({ type: [MemberDto] }) data: MemberDto[];
  @ApiProperty() has_more: boolean;
}
