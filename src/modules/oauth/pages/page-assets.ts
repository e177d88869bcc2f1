import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { NotFoundError } from '../../../common/errors/api-errors';
import { VIEWS_DIR } from './page-plugins';

export const ASSETS_PATH = '/oauth/assets';

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  /** `<name>.<hash>.<ext>`: the URL changes with the content. */
  path: string;
  contentType: string;
  body: Buffer;
}

/**
 * The pages' static files (in views/), read once at start: the one stylesheet and the icon. Each
 * URL carries a hash of the content, so browsers may keep it for a year: a new version is a new
 * URL. No inline style anywhere: the pages' CSP takes styles from this origin only.
 */
@Injectable()
export class PageAssets {
  readonly stylesheet = this.load('tessera.css');
  readonly icon = this.load('favicon.svg');
  private readonly byName = new Map(
    [this.stylesheet, this.icon].map((asset) => [asset.path.slice(ASSETS_PATH.length + 1), asset]),
  );

  async send(name: string, reply: FastifyReply): Promise<void> {
    const asset = this.byName.get(name);
    if (!asset) throw new NotFoundError();
    await reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type(asset.contentType)
      .send(asset.body);
  }

  private load(file: string): Asset {
    const body = readFileSync(join(VIEWS_DIR, file));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const extension = extname(file);
    return {
      path: `${ASSETS_PATH}/${file.slice(0, -extension.length)}.${hash}${extension}`,
      contentType: CONTENT_TYPES[extension],
      body,
    };
  }
}
