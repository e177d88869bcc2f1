import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, Repository } from 'typeorm';
import { rotateRefreshToken, RotationOutcome } from '../../../database/refresh-token-rotation';
import { AuthorizationCode } from '../storage/authorization-code.entity';
import { OAuthClient } from '../storage/oauth-client.entity';
import { OAuthGrant } from '../storage/oauth-grant.entity';
import { OAuthRefreshToken } from '../storage/oauth-refresh-token.entity';

/** A grant as the user's list shows it: with the name of the client it was given to. */
export interface OAuthGrantWithClient {
  grant: OAuthGrant;
  clientName: string;
}

/**
 * The only code that reads and writes `oauth_grants`, `oauth_authorization_codes` and
 * `oauth_refresh_tokens`: a grant and the codes and refresh tokens issued under it (deleting the
 * grant deletes them, ON DELETE CASCADE). Codes and tokens are found by their SHA-256 only.
 */
@Injectable()
export class OAuthGrantsRepository {
  constructor(
    @InjectRepository(OAuthGrant) private readonly grants: Repository<OAuthGrant>,
    @InjectRepository(AuthorizationCode) private readonly codes: Repository<AuthorizationCode>,
    @InjectRepository(OAuthRefreshToken)
    private readonly refreshTokens: Repository<OAuthRefreshToken>,
  ) {}

  findGrant(id: string): Promise<OAuthGrant | null> {
    return this.grants.findOneBy({ id });
  }

  /** A grant of this user's, by id; another user's is null, like a missing one. */
  findGrantOfUser(userId: string, id: string): Promise<OAuthGrant | null> {
    return this.grants.findOneBy({ id, userId });
  }

  /** The one grant of a user to a client in an organization (a unique index), if any. */
  findGrantFor(
    clientId: string,
    userId: string,
    organizationId: string,
  ): Promise<OAuthGrant | null> {
    return this.grants.findOneBy({ clientId, userId, organizationId });
  }

  /** The user's grants to the client, one per organization (the unique index), oldest first. */
  findGrantsOfUserToClient(clientId: string, userId: string): Promise<OAuthGrant[]> {
    return this.grants.find({ where: { clientId, userId }, order: { id: 'ASC' } });
  }

  /** Throws a unique violation when a concurrent consent inserted the same grant first. */
  async insertGrant(grant: OAuthGrant): Promise<void> {
    await this.grants.insert(grant);
  }

  async updateGrantScopes(id: string, scopes: string): Promise<void> {
    await this.grants.update({ id }, { scopes });
  }

  async touchGrant(id: string, lastUsedAt: Date): Promise<void> {
    await this.grants.update({ id }, { lastUsedAt });
  }

  /** Deletes the grant, its codes and refresh tokens; false when it was gone already. */
  async deleteGrant(id: string): Promise<boolean> {
    const result = await this.grants.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /** The user's grants, newest first (ids are UUIDv7), `limit + 1` for `has_more`. */
  async listGrantsOfUser(
    userId: string,
    limit: number,
    startingAfter?: string,
  ): Promise<OAuthGrantWithClient[]> {
    const query = this.grants
      .createQueryBuilder('g')
      .innerJoin(OAuthClient, 'c', 'c.id = g.client_id')
      .addSelect('c.name', 'client_name')
      .where('g.user_id = :userId', { userId })
      .orderBy('g.id', 'DESC')
      .limit(limit + 1);
    if (startingAfter) query.andWhere('g.id < :after', { after: startingAfter });
    const { entities, raw } = await query.getRawAndEntities<{
      g_id: string;
      client_name: string;
    }>();
    const names = new Map(raw.map((row) => [row.g_id, row.client_name]));
    return entities.map((grant) => ({ grant, clientName: names.get(grant.id) ?? '' }));
  }

  async insertCode(code: AuthorizationCode): Promise<void> {
    await this.codes.insert(code);
  }

  findCode(codeHash: string): Promise<AuthorizationCode | null> {
    return this.codes.findOneBy({ codeHash });
  }

  /**
   * Marks the code used, in one guarded statement: of two concurrent exchanges exactly one gets
   * true. False when it was used already.
   */
  async claimCode(codeHash: string, usedAt: Date): Promise<boolean> {
    const result = await this.codes.update({ codeHash, usedAt: IsNull() }, { usedAt });
    return (result.affected ?? 0) > 0;
  }

  /** Throws a foreign key violation when the grant has ended meanwhile. */
  async insertRefreshToken(token: OAuthRefreshToken): Promise<void> {
    await this.refreshTokens.insert(token);
  }

  /** The presented token replaced by `successor`, with the grant's last use (rotateRefreshToken). */
  rotateRefreshToken(
    presented: OAuthRefreshToken,
    successor: OAuthRefreshToken,
    now: Date,
  ): Promise<RotationOutcome> {
    return rotateRefreshToken(this.refreshTokens, {
      presented,
      successor,
      now,
      owner: { entity: OAuthGrant, where: { id: successor.grantId } },
    });
  }

  findRefreshToken(tokenHash: string): Promise<OAuthRefreshToken | null> {
    return this.refreshTokens.findOneBy({ tokenHash });
  }

  /**
   * Codes that expired before `codesBefore` (kept a while past their expiry, so a replayed code
   * still ends its grant) and refresh tokens past their family's end: nothing can use them.
   */
  async pruneExpired(codesBefore: Date, now: Date): Promise<number> {
    const codes = await this.codes.delete({ expiresAt: LessThan(codesBefore) });
    const tokens = await this.refreshTokens.delete({ expiresAt: LessThan(now) });
    return (codes.affected ?? 0) + (tokens.affected ?? 0);
  }
}
