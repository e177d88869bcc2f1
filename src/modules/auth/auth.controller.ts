import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Access, Principal, Public } from '../../common/auth/decorators';
import type { Principal as Caller } from '../../common/auth/principal';
import { originOf } from '../../common/http/request-origin';
import { SampledRequestLog } from '../../common/logging/request-log';
import { AuthService } from './auth.service';
import {
  LoginDto,
  RefreshDto,
  RegisterDto,
  RegisterResponseDto,
  TokenResponseDto,
  VerifyResponseDto,
} from './dto/auth.dto';
import { ChangePasswordDto } from './dto/password.dto';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public({ errors: [409, 422] })
  @Post('register')
  @ApiOperation({ summary: 'Create a user and their personal organization (owner)' })
  @ApiCreatedResponse({ type: RegisterResponseDto })
  register(@Body() dto: RegisterDto, @Req() request: FastifyRequest) {
    return this.auth.register(dto, originOf(request));
  }

  @Public({ errors: [401, 422] })
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Email and password (and mfa_code once MFA is on) for tokens' })
  @ApiOkResponse({ type: TokenResponseDto })
  login(@Body() dto: LoginDto, @Req() request: FastifyRequest) {
    return this.auth.login(dto, originOf(request));
  }

  @Public({ errors: [401, 422] })
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a refresh token; reusing an old one revokes the session' })
  @ApiOkResponse({ type: TokenResponseDto })
  refresh(@Body() dto: RefreshDto, @Req() request: FastifyRequest) {
    return this.auth.refresh(dto.refresh_token, originOf(request));
  }

  @Access()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End the session: its refresh tokens and this access token stop working',
  })
  @ApiNoContentResponse()
  async logout(@Principal() caller: Caller) {
    await this.auth.logout(caller);
  }

  /** Declared here (docs, policy); answered by VerifyRoute straight from Fastify (hot path). */
  @Access()
  @SampledRequestLog()
  @Get('verify')
  @ApiOperation({ summary: 'Who the presented credential is' })
  @ApiOkResponse({ type: VerifyResponseDto })
  verify(@Principal() caller: Caller) {
    return this.auth.verify(caller);
  }

  @Access({ errors: [422] })
  @Post('password')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Change the password (current_password, or a sign-in less than 5 minutes old); every ' +
      'other session ends',
  })
  @ApiNoContentResponse()
  async changePassword(@Principal() caller: Caller, @Body() dto: ChangePasswordDto) {
    await this.auth.changePassword(caller, dto);
  }
}
