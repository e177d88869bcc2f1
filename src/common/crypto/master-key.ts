import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentVariables } from '../../config/env.schema';

const FORMAT_VERSION = 'v1';

/**
 * Encrypts secrets at rest (signing private keys, TOTP secrets) with AES-256-GCM under a key
 * derived from TESSERA_MASTER_KEY. Without the variable (the zero-config default) a random key is
 * generated once into the data directory, with a warning: fine for a laptop, not for production.
 */
@Injectable()
export class MasterKeyService {
  private readonly logger = new Logger(MasterKeyService.name);
  private readonly key: Buffer;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    const secret =
      config.get('TESSERA_MASTER_KEY', { infer: true }) ??
      this.loadOrCreateKeyFile(config.get('TESSERA_DATA_DIR', { infer: true }));
    this.key = Buffer.from(hkdfSync('sha256', secret, 'tessera', 'at-rest-encryption-v1', 32));
  }

  /** A 32-byte key for one purpose (e.g. the API key pepper), derived from the master key. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, 'tessera', `derived:${purpose}`, 32));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT_VERSION, iv, tag, body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== FORMAT_VERSION || !iv || !tag || body === undefined) {
      throw new Error('Unrecognised encrypted value');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(body, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }

  private loadOrCreateKeyFile(dataDir: string): string {
    const path = join(dataDir, 'master.key');
    if (existsSync(path)) return readFileSync(path, 'utf8').trim();
    this.logger.warn(
      `TESSERA_MASTER_KEY is not set: generated ${path}. Set TESSERA_MASTER_KEY in production and keep it out of the database's backups.`,
    );
    mkdirSync(dataDir, { recursive: true });
    const generated = randomBytes(32).toString('base64url');
    writeFileSync(path, generated + '\n', { mode: 0o600, flag: 'wx' });
    return generated;
  }
}
