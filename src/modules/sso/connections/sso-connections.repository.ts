import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, IsNull, Not, Repository } from 'typeorm';
import { randomOpaqueToken } from '../../../common/crypto/secrets';
import { isSqlite, transactionAlone } from '../../../database/transactions';
import { domainsOf } from './sso-connection-fields';
import {
  DomainVerificationMethod,
  SsoConnection,
  SsoConnectionDomain,
} from './sso-connection.entity';

export type SsoConnectionPatch = Partial<
  Omit<SsoConnection, 'id' | 'organizationId' | 'createdAt'>
>;

/** A connection's claim on a domain, as verification removed it (another verified the domain). */
export interface RemovedClaim {
  connectionId: string;
  organizationId: string;
}

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

  /**
   * The connection whose verified claim holds `domain`, in whichever organization (discovery).
   * A pending claim routes nobody: anyone can make one.
   */
  async findByVerifiedDomain(domain: string): Promise<SsoConnection | null> {
    const connectionId = await this.verifiedClaimant(domain);
    return connectionId ? this.connections.findOneBy({ id: connectionId }) : null;
  }

  /** The id of the connection that has verified `domain`, or null (pending claims or none). */
  async verifiedClaimant(domain: string): Promise<string | null> {
    const claim = await this.domains.findOneBy({ verifiedDomain: domain });
    return claim?.connectionId ?? null;
  }

  /** The domains among `domains` that another connection than `exceptConnectionId` verified. */
  async verifiedElsewhere(domains: string[], exceptConnectionId: string | null): Promise<string[]> {
    if (domains.length === 0) return [];
    const query = this.domains
      .createQueryBuilder('d')
      .where('d.verified_domain IN (:...domains)', { domains });
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

  /** The connection and its (pending) domain claims, together. */
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

  /**
   * Marks the connection's claim on `domain` verified and removes every other connection's
   * claim on it (from their `domains` too): the domain is this connection's now. Null when the
   * connection has no such claim; a unique violation (verified_domain) when another connection
   * verified the domain meanwhile, nothing changed then. The other connections' rows are
   * locked first (MySQL; SQLite runs the transaction alone), in the order a PATCH takes them
   * (connection row, then claims), so the two cannot deadlock. A claim written after the
   * look-up here stays pending and harmless: discovery and provisioning ask verifiedClaimant.
   */
  async verifyClaim(
    connection: Pick<SsoConnection, 'id' | 'organizationId'>,
    domain: string,
    method: DomainVerificationMethod,
    at: Date,
  ): Promise<RemovedClaim[] | null> {
    return transactionAlone(this.dataSource.manager, async (manager) => {
      const others = await manager
        .createQueryBuilder(SsoConnectionDomain, 'd')
        .where('d.domain = :domain AND d.connection_id <> :id', { domain, id: connection.id })
        .getMany();
      const losers: SsoConnection[] = [];
      for (const other of others) {
        const query = manager
          .createQueryBuilder(SsoConnection, 'c')
          .where('c.id = :id', { id: other.connectionId });
        if (!isSqlite(manager.connection)) query.setLock('pessimistic_write');
        const loser = await query.getOne();
        if (loser) losers.push(loser);
      }
      const result = await manager.update(
        SsoConnectionDomain,
        { domain, connectionId: connection.id, organizationId: connection.organizationId },
        { verifiedAt: at, verifiedBy: method, verifiedDomain: domain },
      );
      if (result.affected !== 1) return null;
      for (const loser of losers) {
        await manager.update(
          SsoConnection,
          { id: loser.id },
          {
            domains: JSON.stringify(domainsOf(loser).filter((d) => d !== domain)),
            updatedAt: at,
          },
        );
        await manager.delete(SsoConnectionDomain, { domain, connectionId: loser.id });
      }
      return losers.map((loser) => ({
        connectionId: loser.id,
        organizationId: loser.organizationId,
      }));
    });
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
