import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { OAuthClient } from '../oauth/storage/oauth-client.entity';
import { OAuthClient as OAuthClientEntity } from '../oauth/storage/oauth-client.entity';
import { Organization } from '../organizations/organization.entity';

/** The rows of Tessera's own client and of the system organization that owns it. */
@Injectable()
export class ConsoleClientRepository {
  constructor(
    @InjectRepository(OAuthClientEntity) private readonly clients: Repository<OAuthClient>,
    @InjectRepository(Organization) private readonly organizations: Repository<Organization>,
  ) {}

  findClient(id: string): Promise<OAuthClient | null> {
    return this.clients.findOneBy({ id });
  }

  /** Inserts the organization unless it exists (another instance may be starting too). */
  async ensureOrganization(organization: Organization): Promise<void> {
    if (await this.organizations.existsBy({ id: organization.id })) return;
    await ignoringDuplicate(
      () => this.organizations.insert(organization),
      () => this.organizations.existsBy({ id: organization.id }),
    );
  }

  async insertClient(client: OAuthClient): Promise<void> {
    await ignoringDuplicate(
      () => this.clients.insert(client),
      () => this.clients.existsBy({ id: client.id }),
    );
  }

  async updateSettings(id: string, patch: Partial<OAuthClient>): Promise<void> {
    await this.clients.update({ id }, patch);
  }
}

/** An insert that lost a race with another instance's is done all the same. */
async function ignoringDuplicate(
  insert: () => Promise<unknown>,
  exists: () => Promise<boolean>,
): Promise<void> {
  try {
    await insert();
  } catch (error) {
    if (!(await exists())) throw error;
  }
}
