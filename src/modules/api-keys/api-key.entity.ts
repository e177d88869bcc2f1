import { Column, Entity, Index } from 'typeorm';
import { RefColumn, TimeColumn } from '../../database/columns';
import type { KeyEnvironment } from './api-key-format';
import type { RefillInterval } from './credits/credit-refill';

/**
 * An API key. Only the keyed hash of the secret is stored; `start` (e.g. `tk_live_AbC1`) is kept
 * so people can tell their keys apart.
 */
@Entity('api_keys')
@Index('ix_api_keys_org', ['organizationId', 'id'])
@Index('ix_api_keys_service_account', ['serviceAccountId', 'id'])
@Index('ix_api_keys_credits', ['creditsId'])
export class ApiKey {
  /** `key_<uuidv7 hex>`: sorts by creation time, so lists page by id. */
  @Column({ type: 'varchar', length: 40, primary: true })
  id: string;

  @RefColumn('organization_id')
  organizationId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'key_hash', type: 'varchar', length: 64, unique: true })
  keyHash: string;

  @Column({ type: 'varchar', length: 40 })
  start: string;

  @Column({ type: 'varchar', length: 10 })
  environment: KeyEnvironment;

  /** Space-separated. */
  @Column({ type: 'text' })
  scopes: string;

  @Column({ name: 'rate_limit_per_hour', type: 'integer' })
  rateLimitPerHour: number;

  /** JSON array of canonical addresses/CIDRs; empty = any address. */
  @Column({ name: 'allowed_ips', type: 'text' })
  allowedIps: string;

  @RefColumn('service_account_id', { nullable: true })
  serviceAccountId: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 80 })
  createdBy: string;

  /**
   * Whose power the key acts with: `user:<id>` (its creator, or the user behind the key that
   * created it; the key never does more than that user's current role allows) or
   * `instance_admin` (an organization admin's). Null: nobody any more, the key is refused.
   */
  @Column({ name: 'acts_for', type: 'varchar', length: 50, nullable: true })
  actsFor: string | null;

  /** The key a rotation replaced this one with; a key is rotated once. */
  @Column({ name: 'replaced_by', type: 'varchar', length: 40, nullable: true })
  replacedBy: string | null;

  @Column({ name: 'rotated_from', type: 'varchar', length: 40, nullable: true })
  rotatedFrom: string | null;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('expires_at', { nullable: true })
  expiresAt: Date | null;

  @TimeColumn('revoked_at', { nullable: true })
  revokedAt: Date | null;

  /** When a secret scanner first reported the key leaked (it was revoked, or only flagged). */
  @TimeColumn('leak_reported_at', { nullable: true })
  leakReportedAt: Date | null;

  @TimeColumn('last_used_at', { nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'last_ip', type: 'varchar', length: 45, nullable: true })
  lastIp: string | null;

  /**
   * Usage credits left (Unkey's `remaining`): each request the key is let through for spends
   * one. Null: unlimited. Counted in Redis (or memory) at request time and written here behind
   * (ApiKeyCreditsRecorder), so this may trail the live balance by a flush interval.
   */
  @Column({ type: 'integer', nullable: true })
  remaining: number | null;

  /** The balance is set back to `refillAmount` at the start of each UTC day or month. */
  @Column({ name: 'refill_interval', type: 'varchar', length: 10, nullable: true })
  refillInterval: RefillInterval | null;

  @Column({ name: 'refill_amount', type: 'integer', nullable: true })
  refillAmount: number | null;

  /** Monthly refills: the day of the month (1..31; the month's last day when it has fewer). */
  @Column({ name: 'refill_day', type: 'integer', nullable: true })
  refillDay: number | null;

  /** When the balance was last set: at creation, by an update, or by a refill (its period's start). */
  @TimeColumn('last_refill_at', { nullable: true })
  lastRefillAt: Date | null;

  /** Raised by every update of the balance: counts spent from an older balance are dropped. */
  @Column({ name: 'credits_version', type: 'integer', default: 0 })
  creditsVersion: number;

  /**
   * The key whose balance this one spends: null for its own. A rotation's replacement shares
   * the replaced key's, so the two keys of a grace period never hold twice the credits.
   */
  @Column({ name: 'credits_id', type: 'varchar', length: 40, nullable: true })
  creditsId: string | null;
}
