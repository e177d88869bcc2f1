import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { CurrentPasswordField } from './password-fields';

export class TotpEnrollDto {
  @CurrentPasswordField()
  current_password?: string;
}

export class TotpRemoveDto {
  @CurrentPasswordField()
  current_password?: string;

  @ApiProperty({ example: '123456', description: 'A current code of the authenticator app' })
  @Matches(/^\d{6}$/, { message: 'code must be six digits' })
  code: string;
}
