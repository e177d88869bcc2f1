import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { SsoUserLink } from '../connections/sso-connection.entity';

/** The only code that reads and writes `sso_user_links`: whom each connection provisioned. */
@Injectable()
export class SsoUserLinksRepository {
  constructor(@InjectRepository(SsoUserLink) private readonly links: Repository<SsoUserLink>) {}

  async provisioned(connectionId: string, userId: string): Promise<boolean> {
    return (await this.links.countBy({ connectionId, userId })) > 0;
  }

  /** `manager`: inside the transaction that creates the user. */
  async insert(link: SsoUserLink, manager: EntityManager): Promise<void> {
    await manager.insert(SsoUserLink, link);
  }
}
