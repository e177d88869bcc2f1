import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../common/auth/decorators';
import { NotFoundError } from '../../common/errors/api-errors';
import { Page } from '../../common/http/page-routes';
import { HtmlErrorPages } from '../oauth/pages/html-error-pages';
import { ConsoleFile, ConsoleFiles } from './console-files';
import { ASSET_CACHE_CONTROL, CONSOLE_CSP, INDEX_CACHE_CONTROL } from './console-headers';

const HTML = { 'text/html': { schema: { type: 'string' } } };

/**
 * The web console: a single-page app (console/ in this repository, built by `npm run build`).
 * Every path under /console answers its index.html, which routes in the browser; its scripts
 * and styles are under /console/assets.
 */
@ApiTags('console')
@Controller('console')
export class ConsoleController {
  constructor(
    private readonly files: ConsoleFiles,
    private readonly errorPages: HtmlErrorPages,
  ) {}

  // 404 (a page): this build has no console.
  @Public({ errors: [404] })
  @Page()
  @Get()
  @ApiOperation({ summary: 'The web console (HTML)' })
  @ApiOkResponse({ description: 'The console’s page', content: HTML })
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.sendIndex(request, reply);
  }

  // 404 (a page): this build has no console.
  @Public({ errors: [404] })
  @Page()
  @Get('*')
  @ApiParam({
    name: 'path',
    description:
      'Any path under /console (keys, keys/<id>, audit...): the page routes in the browser',
    schema: { type: 'string' },
  })
  @ApiOperation({
    summary: 'A page of the web console (HTML): every path under /console is its one page',
  })
  @ApiOkResponse({ description: 'The console’s page', content: HTML })
  async page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.sendIndex(request, reply);
  }

  @Public({ skipRateLimit: true, errors: [404] })
  @Get('assets/:name')
  @ApiOperation({
    summary:
      'The console’s scripts and styles; each name carries a hash of the content (cached a year)',
  })
  @ApiProduces('text/javascript', 'text/css', 'image/svg+xml')
  @ApiOkResponse({ description: 'The file' })
  async asset(
    @Param('name') name: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const file = this.files.asset(name);
    if (!file) throw new NotFoundError('No such file');
    void reply.header('cache-control', ASSET_CACHE_CONTROL);
    await send(request, reply, file);
  }

  // Anything else under assets/ (a name past the router's 100-character parameter limit, a
  // slash) is a missing file, never the console's page, whether or not the console is built.
  @Public({ skipRateLimit: true, errors: [404] })
  @Get('assets/*')
  @ApiParam({
    name: 'path',
    description: 'Anything not a file of the console',
    schema: { type: 'string' },
  })
  @ApiOperation({ summary: 'Not a console file: always 404' })
  missingAsset(): never {
    throw new NotFoundError('No such file');
  }

  private async sendIndex(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const index = this.files.index;
    if (!index) {
      // 404, not 503: nothing is down, there is no console in this build (the API is whole).
      return this.errorPages.show(request, reply, 404, {
        heading: 'The console is not built',
        message:
          'This Tessera was built without its web console. Run npm run build (which builds ' +
          'console/ too) and start Tessera again; the API works without it.',
      });
    }
    void reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('cache-control', INDEX_CACHE_CONTROL);
    await send(request, reply, index);
  }
}

/** The file, gzipped when the browser takes it (the console's script is most of its weight). */
async function send(request: FastifyRequest, reply: FastifyReply, file: ConsoleFile) {
  void reply.type(file.contentType).header('vary', 'accept-encoding');
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (file.gzipped && acceptsGzip) {
    await reply.header('content-encoding', 'gzip').send(file.gzipped);
    return;
  }
  await reply.send(file.body);
}
