import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { EnvironmentVariables } from '../../config/env.schema';
import { CONSOLE_CLIENT_ID_PLACEHOLDER, consoleClientId } from './console-client';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
};
/** Worth compressing: text. */
const COMPRESSIBLE = new Set(['.js', '.css', '.svg', '.json', '.html']);

export interface ConsoleFile {
  contentType: string;
  body: Buffer;
  /** The body gzipped, for browsers that accept it (text files only). */
  gzipped: Buffer | null;
}

/**
 * Where the console is: TESSERA_CONSOLE_DIR, else where `npm run build` leaves it (console/dist,
 * from the console workspace) seen from the sources (src/modules/console under ts-jest) or the compiled server (dist/src/modules/console).
 */
function builtConsoleDirectory(configured: string | undefined): string | null {
  if (configured !== undefined)
    return existsSync(join(configured, 'index.html')) ? configured : null;
  const candidates = [
    join(__dirname, '..', '..', '..', 'console', 'dist'),
    join(__dirname, '..', '..', '..', '..', 'console', 'dist'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/**
 * The built console, read once at start: index.html and the hashed files under assets/ (Vite
 * names each after a hash of its content, so browsers may keep them for a year). Null `index`
 * when the console was not built (a server-only build, the Docker image): /console says so.
 */
@Injectable()
export class ConsoleFiles {
  readonly index: ConsoleFile | null;
  private readonly assets = new Map<string, ConsoleFile>();

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    const directory = builtConsoleDirectory(config.get('TESSERA_CONSOLE_DIR', { infer: true }));
    if (directory === null) {
      new Logger('Console').log('The console is not built: /console answers 404');
      this.index = null;
      return;
    }
    // The page names the console's client_id (derived from the issuer), filled in here.
    this.index = load(join(directory, 'index.html'), (html) =>
      html.replaceAll(
        CONSOLE_CLIENT_ID_PLACEHOLDER,
        consoleClientId(config.get('TESSERA_ISSUER', { infer: true })),
      ),
    );
    const assetsDirectory = join(directory, 'assets');
    if (!existsSync(assetsDirectory)) return;
    for (const name of readdirSync(assetsDirectory)) {
      if (CONTENT_TYPES[extname(name)]) this.assets.set(name, load(join(assetsDirectory, name)));
    }
  }

  asset(name: string): ConsoleFile | undefined {
    return this.assets.get(name);
  }
}

function load(path: string, rewrite?: (text: string) => string): ConsoleFile {
  const read = readFileSync(path);
  const body = rewrite ? Buffer.from(rewrite(read.toString('utf8'))) : read;
  const extension = extname(path);
  return {
    contentType: CONTENT_TYPES[extension],
    body,
    gzipped: COMPRESSIBLE.has(extension) ? gzipSync(body, { level: 9 }) : null,
  };
}
