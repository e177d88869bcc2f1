import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { BrowserSession } from './browser-session.entity';

/** The only code that reads and writes `browser_sessions`. */
@Injectable()
export class BrowserSessionsRepository {
  constructor(
    @InjectRepository(BrowserSession) private readonly rows: Repository<BrowserSession>,
  ) {}

  async insert(row: BrowserSession): Promise<void> {
    await this.rows.insert(row);
  }

  /** By the SHA-256 of the cookie's token, expired or not (the caller decides). */
  findByTokenHash(tokenHash: string): Promise<BrowserSession | null> {
    return this.rows.findOneBy({ tokenHash });
  }

  async touch(id: string, lastSeenAt: Date): Promise<void> {
    await this.rows.update({ id }, { lastSeenAt });
  }

  async delete(id: string): Promise<void> {
    await this.rows.delete({ id });
  }
}
