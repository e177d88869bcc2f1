import { Body, Controller, Delete, HttpCode, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Access, Principal } from '../../../common/auth/decorators';
import type { Principal as Caller } from '../../../common/auth/principal';
import { TotpEnrollResponseDto, TotpVerifyDto, TotpVerifyResponseDto } from '../dto/auth.dto';
import { TotpEnrollDto, TotpRemoveDto } from '../dto/mfa.dto';
import { MfaService } from './mfa.service';

@ApiTags('auth')
@Controller('v1/auth/mfa/totp')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Access({ errors: [409, 422] })
  @Post('enroll')
  @ApiOperation({
    summary:
      'Start TOTP enrolment: a secret for the authenticator app. Needs current_password or a ' +
      'sign-in less than 5 minutes old',
  })
  @ApiCreatedResponse({ type: TotpEnrollResponseDto })
  enroll(@Principal() caller: Caller, @Body() dto: TotpEnrollDto) {
    return this.mfa.enrollTotp(caller, dto.current_password);
  }

  @Access({ errors: [409, 422] })
  @Post('verify')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Confirm enrolment with a current code; from then on login needs mfa_code, and every ' +
      'other session of the user ends',
  })
  @ApiOkResponse({ type: TotpVerifyResponseDto })
  confirm(@Principal() caller: Caller, @Body() dto: TotpVerifyDto) {
    return this.mfa.confirmTotp(caller, dto.code);
  }

  @Access({ errors: [409, 422] })
  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Turn TOTP off: a current code, and current_password or a sign-in that passed MFA less ' +
      'than 5 minutes ago',
  })
  @ApiNoContentResponse()
  async remove(@Principal() caller: Caller, @Body() dto: TotpRemoveDto) {
    await this.mfa.removeTotp(caller, dto.current_password, dto.code);
  }
}
