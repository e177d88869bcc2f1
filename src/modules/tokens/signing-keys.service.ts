import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { BackgroundJobs } from '../../common/jobs/background-jobs';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { exportJWK, JWK } from 'jose';
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { prefixedId } from '../../common/ids';
import { MasterKeyService } from '../../common/crypto/master-key';
import { EnvironmentVariables } from '../../config/env.schema';
import { transactionAlone } from '../../database/transactions';
import { SigningKey } from './signing-key.entity';

export interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
}

interface PublicKeyEntry {
  pem: string;
  key: KeyObject;
  jwk: JWK;
  verifyUntil: Date | null;
}

/** How often an instance looks for a key rotated elsewhere (by the CLI or another instance). */
const RELOAD_INTERVAL_MS = 60_000;
/** At most one database look-up per this interval for tokens whose kid is unknown here. */
const UNKNOWN_KID_RELOAD_MS = 5_000;

/**
 * The RS256 key pairs that sign access tokens. The newest unretired key signs; retired keys stay
 * in the JWKS (and verify) until the last token they signed has expired.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeysService.name);
  private active: ActiveSigningKey;
  private publicKeys = new Map<string, PublicKeyEntry>();
  private unknownKidReload?: { at: number; done: Promise<void> };

  constructor(
    @InjectRepository(SigningKey) private readonly keys: Repository<SigningKey>,
    private readonly masterKey: MasterKeyService,
    private readonly jobs: BackgroundJobs,
    private readonly config: ConfigService<EnvironmentVariables, true>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    if (!this.active) {
      await this.createKey();
      await this.reload();
    }
    this.jobs.every(RELOAD_INTERVAL_MS, 'Could not reload signing keys', () => this.reload());
  }

  activeKey(): ActiveSigningKey {
    return this.active;
  }

  /** The public key for a token's `kid` as PEM; looks in the database once for an unknown kid. */
  async publicKeyPem(kid: string): Promise<string | null> {
    if (!this.publicKeys.has(kid)) await this.reloadForUnknownKid();
    const entry = this.publicKeys.get(kid);
    if (!entry || (entry.verifyUntil && entry.verifyUntil.getTime() < Date.now())) return null;
    return entry.pem;
  }

  /** As `publicKeyPem`, as a KeyObject (jose verifies with it without parsing a PEM each time). */
  async publicKey(kid: string): Promise<KeyObject | null> {
    if (!this.publicKeys.has(kid)) await this.reloadForUnknownKid();
    const entry = this.publicKeys.get(kid);
    if (!entry || (entry.verifyUntil && entry.verifyUntil.getTime() < Date.now())) return null;
    return entry.key;
  }

  jwks(): { keys: JWK[] } {
    const now = Date.now();
    const keys = [...this.publicKeys.values()]
      .filter((k) => !k.verifyUntil || k.verifyUntil.getTime() > now)
      .map((k) => k.jwk);
    return { keys };
  }

  /**
   * Retires the signing key and creates a new one. The old public key keeps verifying (and stays
   * in the JWKS) for one access-token lifetime past the moment the last instance stops signing
   * with it (each learns of the new key at its next reload, RELOAD_INTERVAL_MS), so tokens it
   * signed live out their time.
   */
  async rotate(): Promise<{ retired: string | null; created: string }> {
    const ttlMs =
      this.config.get('ACCESS_TOKEN_TTL_SECONDS', { infer: true }) * 1000 + RELOAD_INTERVAL_MS;
    // The new pair first (it takes a while); then the old keys retired and the new one stored
    // in one transaction: a failure in between left no active key, and every instance signing
    // with a retired one whose tokens stopped verifying an hour later.
    const created = await this.newKey();
    const current = await transactionAlone(this.keys.manager, async (manager) => {
      const now = new Date();
      const active = await manager.find(SigningKey, { where: { retiredAt: IsNull() } });
      for (const key of active) {
        await manager.update(
          SigningKey,
          { kid: key.kid },
          { retiredAt: now, verifyUntil: new Date(now.getTime() + ttlMs) },
        );
      }
      await manager.insert(SigningKey, created);
      return active;
    });
    this.logger.log(`Created signing key ${created.kid}`);
    await this.reload();
    return { retired: current[0]?.kid ?? null, created: created.kid };
  }

  private async createKey(): Promise<string> {
    const key = await this.newKey();
    await this.keys.insert(key);
    this.logger.log(`Created signing key ${key.kid}`);
    return key.kid;
  }

  /** A new RS256 key pair as a row, its private key encrypted with the master key. */
  private async newKey(): Promise<SigningKey> {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = prefixedId('sk');
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    return {
      kid,
      algorithm: 'RS256',
      publicJwk: JSON.stringify(jwk),
      privateKeyEncrypted: this.masterKey.encrypt(pem),
      createdAt: new Date(),
      retiredAt: null,
      verifyUntil: null,
    };
  }

  /**
   * A token names a kid this instance does not know: a key rotated elsewhere, or a forged token.
   * Anyone can send the latter, so the database is asked at most once per interval, and
   * concurrent requests share that one query.
   */
  private reloadForUnknownKid(): Promise<void> {
    const now = Date.now();
    if (this.unknownKidReload && now - this.unknownKidReload.at < UNKNOWN_KID_RELOAD_MS) {
      return this.unknownKidReload.done;
    }
    const done = this.reload().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'Could not reload signing keys');
    });
    this.unknownKidReload = { at: now, done };
    return done;
  }

  private async reload(): Promise<void> {
    const rows = await this.keys.find({
      where: [{ retiredAt: IsNull() }, { verifyUntil: MoreThan(new Date()) }],
      order: { createdAt: 'DESC' },
    });
    const publicKeys = new Map<string, PublicKeyEntry>();
    for (const row of rows) {
      const jwk = JSON.parse(row.publicJwk) as JWK;
      const key = createPublicKey({ key: jwk as never, format: 'jwk' });
      publicKeys.set(row.kid, {
        pem: key.export({ type: 'spki', format: 'pem' }).toString(),
        key,
        jwk,
        verifyUntil: row.verifyUntil,
      });
    }
    this.publicKeys = publicKeys;
    const newest = rows.find((row) => !row.retiredAt);
    if (newest && newest.kid !== this.active?.kid) {
      this.active = {
        kid: newest.kid,
        privateKey: createPrivateKey(this.masterKey.decrypt(newest.privateKeyEncrypted)),
      };
    }
  }
}
