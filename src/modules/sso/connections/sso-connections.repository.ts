import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, IsNull, Not, Repository } from 'typeorm';
import { randomOpaqueToken } from '../../../common/crypto/secrets';
import { transactionAlone } from '../../../database/transactions';
import {
  DomainVerificationMethod,
  SsoConnection,
  SsoConnectionDomain,
} from './sso-connection.entity';

export type SsoConnectionPatch = Partial<
  Omit<SsoConnection, 'id' | 'organizationId' | 'createdAt'>
>;

/** The only code that reads and writes `sso_connections` and `sso_connection_domains`. */
@Injectable()
export class SsoConnectionsRepository {
  constructor(
    @InjectRepository(SsoConnection) private readonly connections: Repository<SsoConnection>,
    @InjectRepository(SsoConnectionDomain)
    private readonly domains: Repository<SsoConnectionDomain>,
    private readonly dataSource: DataSource,
  ) {}

  findInOrganization(organizationId: string, id: string): Promise<SsoConnection | null> {
    return this.connections.findOneBy({ organizationId, id });
  }

  /**
   * A connection by its id alone, for the SAML endpoints (/sso/:id/...): the browser names it,
   * before any organization is known. Management routes use `findInOrganization`.
   */
  findById(id: string): Promise<SsoConnection | null> {
    return this.connections.findOneBy({ id });
  }

  /** The connection that claims `domain`, in whichever organization. */
  async findByDomain(domain: string): Promise<SsoConnection | null> {
    const claim = await this.domains.findOneBy({ domain });
    return claim ? this.connections.findOneBy({ id: claim.connectionId }) : null;
  }

  /** The domains among `domains` claimed by another connection than `exceptConnectionId`. */
  async claimedElsewhere(domains: string[], exceptConnectionId: string | null): Promise<string[]> {
    if (domains.length === 0) return [];
    const query = this.domains
      .createQueryBuilder('d')
      .where('d.domain IN (:...domains)', { domains });
    if (exceptConnectionId) query.andWhere('d.connection_id <> :id', { id: exceptConnectionId });
    return (await query.getMany()).map((d) => d.domain);
  }

  /** Every connection with a metadata URL, for the periodic re-fetch. */
  withMetadataUrl(): Promise<SsoConnection[]> {
    return this.connections.findBy({ idpMetadataUrl: Not(IsNull()) });
  }

  list(
    organizationId: string,
    page: { limit: number; startingAfter?: string },
  ): Promise<SsoConnection[]> {
    const query = this.connections
      .createQueryBuilder('c')
      .where('c.organization_id = :organizationId', { organizationId })
      .orderBy('c.id', 'DESC')
      .take(page.limit + 1);
    if (page.startingAfter) query.andWhere('c.id < :after', { after: page.startingAfter });
    return query.getMany();
  }

  /** The connection and its domain claims, together (a claimed domain fails the whole insert). */
  async insert(connection: SsoConnection, domains: string[]): Promise<void> {
    await transactionAlone(this.dataSource.manager, async (manager) => {
      await manager.insert(SsoConnection, connection);
      await manager.insert(
        SsoConnectionDomain,
        domains.map((domain) => claim(connection, domain)),
      );
    });
  }

  /**
   * Updates the row; with `domains`, replaces its claims in the same transaction (a domain it
   * keeps keeps its verification). With `unlessUpdatedSince`, only if the row was not changed
   * since (the metadata refresh's read-fetch-write must not undo a PATCH): false then.
   */
  async update(
    connection: Pick<SsoConnection, 'id' | 'organizationId'>,
    patch: SsoConnectionPatch,
    domains?: string[],
    unlessUpdatedSince?: Date,
  ): Promise<boolean> {
    return transactionAlone(this.dataSource.manager, async (manager) => {
      if (Object.keys(patch).length > 0) {
        const result = await manager.update(
          SsoConnection,
          {
            id: connection.id,
            organizationId: connection.organizationId,
            ...(unlessUpdatedSince ? { updatedAt: unlessUpdatedSince } : {}),
          },
          patch,
        );
        if (unlessUpdatedSince && result.affected !== 1) return false;
      }
      if (domains) {
        const kept = await manager.findBy(SsoConnectionDomain, { connectionId: connection.id });
        const gone = kept.filter((c) => !domains.includes(c.domain)).map((c) => c.domain);
        const added = domains.filter((domain) => !kept.some((c) => c.domain === domain));
        if (gone.length) {
          await manager.delete(SsoConnectionDomain, {
            connectionId: connection.id,
            domain: In(gone),
          });
        }
        if (added.length) {
          await manager.insert(
            SsoConnectionDomain,
            added.map((domain) => claim(connection, domain)),
          );
        }
      }
      return true;
    });
  }

  /** The domain claims of these connections (for their answers). */
  claimsOf(connectionIds: string[]): Promise<SsoConnectionDomain[]> {
    if (connectionIds.length === 0) return Promise.resolve([]);
    return this.domains.findBy({ connectionId: In(connectionIds) });
  }

  /** Whether the connection's claim on `domain` is verified. */
  async isVerified(connectionId: string, domain: string): Promise<boolean> {
    const found = await this.domains.findOneBy({ domain, connectionId });
    return found?.verifiedAt != null;
  }

  /** Marks the connection's claim on `domain` verified; false when it has no such claim. */
  async markVerified(
    connection: Pick<SsoConnection, 'id' | 'organizationId'>,
    domain: string,
    method: DomainVerificationMethod,
    at: Date,
  ): Promise<boolean> {
    const result = await this.domains.update(
      { domain, connectionId: connection.id, organizationId: connection.organizationId },
      { verifiedAt: at, verifiedBy: method, verifiedDomain: domain },
    );
    return result.affected === 1;
  }

  /** Deletes the connection; its domain claims go with it (ON DELETE CASCADE). */
  async delete(organizationId: string, id: string): Promise<boolean> {
    const result = await this.connections.delete({ organizationId, id });
    return result.affected === 1;
  }
}

function claim(
  connection: Pick<SsoConnection, 'id' | 'organizationId'>,
  domain: string,
): SsoConnectionDomain {
  return {
    domain,
    connectionId: connection.id,
    organizationId: connection.organizationId,
    verificationToken: randomOpaqueToken(24),
    verifiedAt: null,
    verifiedBy: null,
    verifiedDomain: null,
  };
}
