import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, MoreThan, Not, Repository } from 'typeorm';
import { rotateRefreshToken, RotationOutcome } from '../../../database/refresh-token-rotation';
import { RefreshToken } from './refresh-token.entity';
import { RevokedAccessToken } from './revoked-access-token.entity';
import { Session } from './session.entity';

@Injectable()
export class SessionsRepository {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(RefreshToken) private readonly refreshTokens: Repository<RefreshToken>,
    @InjectRepository(RevokedAccessToken)
    private readonly revokedTokens: Repository<RevokedAccessToken>,
  ) {}

  async insertSession(session: Session): Promise<void> {
    await this.sessions.insert(session);
  }

  findSession(id: string): Promise<Session | null> {
    return this.sessions.findOneBy({ id });
  }

  /** A session of this user that is neither revoked nor expired; another user's is null. */
  findLiveSessionOf(userId: string, id: string, now: Date): Promise<Session | null> {
    return this.sessions.findOneBy({
      id,
      userId,
      revokedAt: IsNull(),
      expiresAt: MoreThan(now),
    });
  }

  /** The user's live sessions, newest first (ids are UUIDv7), `limit + 1` for `has_more`. */
  listLiveSessionsOf(
    userId: string,
    now: Date,
    limit: number,
    startingAfter?: string,
  ): Promise<Session[]> {
    const query = this.sessions
      .createQueryBuilder('s')
      .where('s.user_id = :userId', { userId })
      .andWhere('s.revoked_at IS NULL')
      .andWhere('s.expires_at > :now', { now })
      .orderBy('s.id', 'DESC')
      .take(limit + 1);
    if (startingAfter) query.andWhere('s.id < :after', { after: startingAfter });
    return query.getMany();
  }

  async insertRefreshToken(token: RefreshToken): Promise<void> {
    await this.refreshTokens.insert(token);
  }

  /** The presented token replaced by `successor`, with the session's last use (rotateRefreshToken). */
  rotateRefreshToken(
    presented: RefreshToken,
    successor: RefreshToken,
    now: Date,
  ): Promise<RotationOutcome> {
    return rotateRefreshToken(this.refreshTokens, {
      presented,
      successor,
      now,
      owner: {
        entity: Session,
        where: { id: successor.sessionId, revokedAt: IsNull(), expiresAt: MoreThan(now) },
      },
    });
  }

  findRefreshTokenByHash(tokenHash: string): Promise<RefreshToken | null> {
    return this.refreshTokens.findOneBy({ tokenHash });
  }

  /** The live sessions a first-party client's grant made. */
  async liveSessionIdsOfGrant(oauthGrantId: string): Promise<string[]> {
    const rows = await this.sessions.find({
      select: { id: true },
      where: { oauthGrantId, revokedAt: IsNull() },
    });
    return rows.map((row) => row.id);
  }

  async revokeSession(id: string, reason: string): Promise<void> {
    await this.sessions.update(
      { id, revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: reason },
    );
  }

  /**
   * Revokes every live session of the user except `exceptSessionId` (null: all of them) in one
   * statement, however many there are; answers how many it ended.
   */
  async revokeSessionsOf(
    userId: string,
    reason: string,
    exceptSessionId: string | null,
  ): Promise<number> {
    const now = new Date();
    const result = await this.sessions.update(
      {
        userId,
        revokedAt: IsNull(),
        expiresAt: MoreThan(now),
        ...(exceptSessionId ? { id: Not(exceptSessionId) } : {}),
      },
      { revokedAt: now, revokedReason: reason },
    );
    return result.affected ?? 0;
  }

  async denylistAccessToken(jti: string, expiresAt: Date): Promise<void> {
    await this.revokedTokens.upsert({ jti, expiresAt }, ['jti']);
  }

  async isAccessTokenDenylisted(jti: string): Promise<boolean> {
    return (await this.revokedTokens.countBy({ jti })) > 0;
  }

  /**
   * Rows nothing can use any more: denylisted access tokens past their expiry (the signature
   * check refuses them anyway) and sessions past theirs (their refresh tokens go with them).
   */
  async pruneExpired(now: Date): Promise<number> {
    const tokens = await this.revokedTokens.delete({ expiresAt: LessThan(now) });
    const sessions = await this.sessions.delete({ expiresAt: LessThan(now) });
    return (tokens.affected ?? 0) + (sessions.affected ?? 0);
  }
}
