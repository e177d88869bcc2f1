import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../../common/auth/decorators';
import { PageAssets } from './page-assets';

@ApiTags('hosted pages')
@Controller('oauth/assets')
export class PageAssetsController {
  constructor(private readonly assets: PageAssets) {}

  @Public({ skipRateLimit: true, errors: [404] })
  @Get(':name')
  @ApiOperation({
    summary:
      'The hosted pages’ stylesheet and icon; each name carries a hash of the content (cached a year)',
  })
  @ApiProduces('text/css', 'image/svg+xml')
  @ApiOkResponse({ description: 'The file' })
  async asset(@Param('name') name: string, @Res() reply: FastifyReply): Promise<void> {
    await this.assets.send(name, reply);
  }
}
