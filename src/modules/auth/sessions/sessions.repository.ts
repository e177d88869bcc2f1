import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, Repository } from 'typeorm';
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

  async insertRefreshToken(token: RefreshToken): Promise<void> {
    await this.refreshTokens.insert(token);
  }

  findRefreshTokenByHash(tokenHash: string): Promise<RefreshToken | null> {
    return this.refreshTokens.findOneBy({ tokenHash });
  }

  /** Marks a refresh token used; false when it already was (a concurrent or replayed use). */
  async markRefreshTokenUsed(id: string): Promise<boolean> {
    const result = await this.refreshTokens.update(
      { id, usedAt: IsNull() },
      { usedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  async revokeSession(id: string, reason: string): Promise<void> {
    await this.sessions.update(
      { id, revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: reason },
    );
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
