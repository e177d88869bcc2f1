import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OAuthClient } from '../storage/oauth-client.entity';

/** The only code that reads and writes `oauth_clients`. */
@Injectable()
export class OAuthClientsRepository {
  constructor(@InjectRepository(OAuthClient) private readonly clients: Repository<OAuthClient>) {}

  /**
   * A client by its `client_id` alone, for the OAuth endpoints: the client names itself there,
   * before any organization is known. Management routes use `findInOrganization`.
   */
  findByClientId(clientId: string): Promise<OAuthClient | null> {
    return this.clients.findOneBy({ id: clientId });
  }

  findInOrganization(organizationId: string, clientId: string): Promise<OAuthClient | null> {
    return this.clients.findOneBy({ id: clientId, organizationId });
  }
}
