import { Body, Controller, Get, Post } from '@nestjs/common';
import { CurrentPrincipal, Public, Scopes, type TesseraPrincipal } from '@tessera/sdk/nest';

/** A tenant's own API: one route that needs Tessera's `translate:write`, one open to all. */
@Controller()
export class TranslateController {
  @Post('translate')
  @Scopes('translate:write')
  translate(@CurrentPrincipal() caller: TesseraPrincipal, @Body() body: { text?: string }) {
    return {
      translated: (body?.text ?? '').split('').reverse().join(''),
      caller: { type: caller.type, subject: caller.subject, verified_by: caller.verifiedBy },
    };
  }

  @Get('health')
  @Public()
  health() {
    return { status: 'ok' };
  }
}
