import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../../../common/errors/api-errors';
import { SsoConnectionsRepository } from '../connections/sso-connections.repository';
import { SamlServiceProviders } from './saml-service-providers';

/** GET /sso/:id/metadata: what the organization's IdP administrator imports. */
@Injectable()
export class SpMetadata {
  constructor(
    private readonly connections: SsoConnectionsRepository,
    private readonly providers: SamlServiceProviders,
  ) {}

  async of(connectionId: string): Promise<string> {
    const connection = await this.connections.findById(connectionId);
    if (!connection) throw new NotFoundError('SSO connection not found');
    return this.providers.metadataOf(connection);
  }
}
