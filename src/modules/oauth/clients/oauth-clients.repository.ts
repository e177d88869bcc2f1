import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OAuthClient } from '../storage/oauth-client.entity';

/** What an update may change: the settings a PATCH names, never the type or the secret. */
export type OAuthClientPatch = Partial<
  Pick<
    OAuthClient,
    'name' | 'redirectUris' | 'postLogoutRedirectUris' | 'grantTypes' | 'scopes' | 'updatedAt'
  >
>;

/** A new secret: the one it replaces stays valid until `previousSecretExpiresAt`, when set. */
export type SecretRotation = Pick<
  OAuthClient,
  'secretHash' | 'previousSecretHash' | 'previousSecretExpiresAt' | 'updatedAt'
>;

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

  async insert(client: OAuthClient): Promise<void> {
    await this.clients.insert(client);
  }

  /** Newest first, `limit + 1` rows (the extra one tells whether there is a next page). */
  list(
    organizationId: string,
    page: { limit: number; startingAfter?: string },
  ): Promise<OAuthClient[]> {
    const query = this.clients
      .createQueryBuilder('c')
      .where('c.organization_id = :organizationId', { organizationId })
      .orderBy('c.id', 'DESC')
      .take(page.limit + 1);
    if (page.startingAfter) query.andWhere('c.id < :after', { after: page.startingAfter });
    return query.getMany();
  }

  async update(organizationId: string, clientId: string, patch: OAuthClientPatch): Promise<void> {
    await this.clients.update({ organizationId, id: clientId }, patch);
  }

  /**
   * Replaces the secret only if it is still `currentHash`: of two rotations racing, one wins
   * (the loser's secret would otherwise be shown and never work). False when another won.
   */
  async rotateSecret(
    organizationId: string,
    clientId: string,
    currentHash: string,
    rotation: SecretRotation,
  ): Promise<boolean> {
    const result = await this.clients.update(
      { organizationId, id: clientId, secretHash: currentHash },
      rotation,
    );
    return result.affected === 1;
  }

  /**
   * Deletes the client; its grants go with it, and with them their codes and refresh tokens
   * (foreign keys, ON DELETE CASCADE). False when it was gone already.
   */
  async delete(organizationId: string, clientId: string): Promise<boolean> {
    const result = await this.clients.delete({ organizationId, id: clientId });
    return result.affected === 1;
  }
}
