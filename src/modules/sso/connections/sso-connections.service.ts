import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { actingOrganizationId } from '../../../common/auth/authorization';
import type { Principal } from '../../../common/auth/principal';
import { MasterKeyService } from '../../../common/crypto/master-key';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../common/errors/api-errors';
import { DEFAULT_PAGE_SIZE, ListPage, ListQueryDto, toPage } from '../../../common/http/pagination';
import { prefixedId } from '../../../common/ids';
import { EnvironmentVariables } from '../../../config/env.schema';
import { isUniqueViolation } from '../../../database/errors';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import { makeSelfSignedKeyPair } from '../saml/self-signed-certificate';
import { CreateSsoConnectionDto } from './dto/create-sso-connection.dto';
import type { SsoConnectionDto } from './dto/sso-connection.dto';
import { UpdateSsoConnectionDto } from './dto/update-sso-connection.dto';
import { ownerRefOf } from './connection-owner';
import { DnsLookupFailed, DnsTxtLookup } from './dns-txt-lookup';
import { normalizedDomain } from './email-domains';
import { IdpSettingsReader } from './idp-settings';
import { SSO_CONNECTION_ID_PREFIX } from './sso-connection-id';
import { presetMapping } from './provider-presets';
import {
  acceptableAttributeMapping,
  acceptableDomains,
  acceptableGroupRoleMapping,
  domainsClaimedElsewhere,
  invalid,
} from './sso-connection-rules';
import { domainsOf } from './sso-connection-fields';
import type { DomainVerificationMethod } from './sso-connection.entity';
import { SsoConnection } from './sso-connection.entity';
import { SsoConnectionPatch, SsoConnectionsRepository } from './sso-connections.repository';
import {
  DNS_CHALLENGE_LABEL,
  DNS_CHALLENGE_PREFIX,
  toSsoConnectionDto,
} from './sso-connections.mapper';

/**
 * An organization's SAML connections: made from the IdP's metadata (XML or URL) or its three
 * settings; the provider preset's attribute names under the connection's own. An email domain
 * is exclusive only once verified: any number of connections may claim it pending (a claim
 * proves nothing, and a squatter's must not lock the real owner out), a verified one is refused
 * to every other connection, and verifying removes the others' claims (the unique
 * verified_domain decides a race). Every change is audited, never with a key or certificate.
 */
@Injectable()
export class SsoConnectionsService {
  private readonly issuer: string;

  constructor(
    private readonly connections: SsoConnectionsRepository,
    private readonly idpSettings: IdpSettingsReader,
    private readonly dns: DnsTxtLookup,
    private readonly masterKey: MasterKeyService,
    private readonly audit: AuditRecorder,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.issuer = config.get('TESSERA_ISSUER', { infer: true });
  }

  async create(caller: Principal, dto: CreateSsoConnectionDto): Promise<SsoConnectionDto> {
    const organizationId = actingOrganizationId(caller);
    const owner = ownerRefOf(caller);
    const domains = acceptableDomains(dto.domains);
    const attributeMapping = {
      ...presetMapping(dto.provider),
      ...acceptableAttributeMapping(dto.attribute_mapping ?? {}),
    };
    const groupRoleMapping = acceptableGroupRoleMapping(dto.group_role_mapping ?? {});
    const idp = await this.idpSettings.read(dto);
    if (!idp) {
      invalid(
        [],
        'the IdP is missing: give idp_metadata_xml, idp_metadata_url, or idp_entity_id with idp_sso_url and idp_certificate',
        'value_error.missing',
      );
    }
    await this.assertNotVerifiedElsewhere(domains, null);
    const id = prefixedId(SSO_CONNECTION_ID_PREFIX);
    const signing = dto.sign_authn_requests ? makeSelfSignedKeyPair(`Tessera SP ${id}`) : null;
    const now = new Date();
    const connection: SsoConnection = {
      id,
      organizationId,
      name: dto.name,
      provider: dto.provider,
      ...idp,
      idpCertificates: JSON.stringify(idp.idpCertificates),
      domains: JSON.stringify(domains),
      attributeMapping: JSON.stringify(attributeMapping),
      defaultRole: dto.default_role ?? 'member',
      groupRoleMapping: JSON.stringify(groupRoleMapping),
      updateRoleOnLogin: dto.update_role_on_login ?? false,
      allowIdpInitiated: dto.allow_idp_initiated ?? false,
      redirectUrls: JSON.stringify([...new Set(dto.redirect_urls ?? [])]),
      spSigningKeyEncrypted: signing ? this.masterKey.encrypt(signing.privateKeyPem) : null,
      spSigningCertificate: signing?.certificatePem ?? null,
      createdBy: owner,
      createdAt: now,
      updatedAt: now,
    };
    await this.connections.insert(connection, domains);
    const created = await this.answer(connection);
    this.audit.record(AUDIT_ACTIONS.ssoConnectionCreated, {
      organizationId,
      by: caller,
      target: { type: 'sso_connection', id },
      metadata: auditView(created),
    });
    return created;
  }

  async list(caller: Principal, query: ListQueryDto): Promise<ListPage<SsoConnectionDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.connections.list(actingOrganizationId(caller), {
      limit,
      startingAfter: query.starting_after,
    });
    const claims = await this.connections.claimsOf(rows.map((row) => row.id));
    return toPage(rows, limit, (row) => toSsoConnectionDto(row, this.issuer, claims));
  }

  async get(caller: Principal, id: string): Promise<SsoConnectionDto> {
    return this.answer(await this.require(caller, id));
  }

  async update(
    caller: Principal,
    id: string,
    dto: UpdateSsoConnectionDto,
  ): Promise<SsoConnectionDto> {
    const connection = await this.require(caller, id);
    // Whoever changes a connection answers for it from then on (re-owning it, e.g. when its
    // creator left): its roles are bounded by theirs.
    const patch: SsoConnectionPatch = { createdBy: ownerRefOf(caller) };
    if (dto.name !== undefined) patch.name = dto.name;
    const domains = dto.domains ? acceptableDomains(dto.domains) : undefined;
    if (dto.attribute_mapping) {
      patch.attributeMapping = JSON.stringify({
        ...presetMapping(connection.provider),
        ...acceptableAttributeMapping(dto.attribute_mapping),
      });
    }
    if (dto.group_role_mapping) {
      patch.groupRoleMapping = JSON.stringify(acceptableGroupRoleMapping(dto.group_role_mapping));
    }
    if (dto.default_role !== undefined) patch.defaultRole = dto.default_role;
    if (dto.update_role_on_login !== undefined) patch.updateRoleOnLogin = dto.update_role_on_login;
    if (dto.allow_idp_initiated !== undefined) patch.allowIdpInitiated = dto.allow_idp_initiated;
    if (dto.redirect_urls) patch.redirectUrls = JSON.stringify([...new Set(dto.redirect_urls)]);
    const idp = await this.idpSettings.read(dto);
    if (idp) Object.assign(patch, { ...idp, idpCertificates: JSON.stringify(idp.idpCertificates) });
    if (domains) {
      await this.assertNotVerifiedElsewhere(domains, connection.id);
      patch.domains = JSON.stringify(domains);
    }
    const changed = (Object.keys(patch) as (keyof SsoConnectionPatch)[]).filter(
      (key) => patch[key] !== connection[key],
    );
    if (changed.length === 0) return this.answer(connection);
    patch.updatedAt = new Date();
    await this.connections.update(connection, patch, domains);
    const after = await this.answer({ ...connection, ...patch });
    this.audit.record(AUDIT_ACTIONS.ssoConnectionUpdated, {
      organizationId: connection.organizationId,
      by: caller,
      target: { type: 'sso_connection', id },
      metadata: { changed: changed.map(contractName), ...auditView(after) },
    });
    return after;
  }

  async delete(caller: Principal, id: string): Promise<void> {
    const connection = await this.require(caller, id);
    if (!(await this.connections.delete(connection.organizationId, id))) {
      throw new NotFoundError('SSO connection not found');
    }
    this.audit.record(AUDIT_ACTIONS.ssoConnectionDeleted, {
      organizationId: connection.organizationId,
      by: caller,
      target: { type: 'sso_connection', id },
      metadata: { name: connection.name, domains: domainsOf(connection) },
    });
  }

  /**
   * Verifies the connection's claim on `domain`: its TXT record `_tessera-challenge.<domain>`
   * publishes the claim's token (a DNS look-up now), or, `operator`, the instance's operator
   * vouches for the tenant (self-hosted instances whose tenants they know). Until then the
   * connection may not sign in existing accounts of the domain it did not provision, and
   * discovery does not route by it. The first verification of a domain wins (409 for the
   * others); it removes every other connection's claim on the domain, audited in their
   * organizations without naming this one.
   */
  async verifyDomain(
    caller: Principal,
    id: string,
    domainParam: string,
    method: DomainVerificationMethod,
  ): Promise<SsoConnectionDto> {
    const connection = await this.require(caller, id);
    const domain = normalizedDomain(domainParam);
    const claim = (await this.connections.claimsOf([connection.id])).find(
      (c) => c.domain === domain,
    );
    if (!claim) throw new NotFoundError('Domain not claimed by this SSO connection');
    if (method === 'operator' && caller.type !== 'instance_admin') {
      throw new ForbiddenError(
        'Only the instance administrator (TESSERA_ADMIN_TOKEN) may verify a domain without DNS',
        'operator_only',
      );
    }
    await this.assertNotVerifiedElsewhere([domain], connection.id);
    if (method === 'dns_txt') await this.assertPublished(domain, claim.verificationToken ?? '');
    const removed = await this.connections
      .verifyClaim(connection, domain, method, new Date())
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? domainsClaimedElsewhere([domain]) : error;
      });
    if (!removed) throw new NotFoundError('Domain not claimed by this SSO connection');
    this.audit.record(AUDIT_ACTIONS.ssoDomainVerified, {
      organizationId: connection.organizationId,
      by: caller,
      target: { type: 'sso_connection', id },
      metadata: { domain, method },
    });
    for (const claim of removed) {
      // The system's doing, as far as that organization's log says: the caller, their address
      // and their organization belong to another tenant's story.
      this.audit.record(AUDIT_ACTIONS.ssoDomainClaimRemoved, {
        organizationId: claim.organizationId,
        actor: { type: 'system', id: null },
        target: { type: 'sso_connection', id: claim.connectionId },
        metadata: { domain, reason: 'verified_elsewhere' },
      });
    }
    return this.answer(connection);
  }

  private async assertPublished(domain: string, token: string): Promise<void> {
    const name = `${DNS_CHALLENGE_LABEL}.${domain}`;
    const expected = `${DNS_CHALLENGE_PREFIX}${token}`;
    let records: string[];
    try {
      records = await this.dns.txt(name);
    } catch (error) {
      if (!(error instanceof DnsLookupFailed)) throw error;
      throw new ConflictError(
        `The TXT records of ${name} could not be looked up (${error.message}): try again later`,
        'dns_lookup_failed',
      );
    }
    if (!token || !records.includes(expected)) {
      throw new ConflictError(
        `No TXT record "${expected}" at ${name} (${records.length} other TXT record(s) found). ` +
          'Publish it and try again; DNS changes can take a while to reach every resolver.',
        'domain_not_verified',
      );
    }
  }

  /** The answer for a connection: its row and its domain claims. */
  private async answer(connection: SsoConnection): Promise<SsoConnectionDto> {
    return toSsoConnectionDto(
      connection,
      this.issuer,
      await this.connections.claimsOf([connection.id]),
    );
  }

  /** The connection in the caller's organization; another organization's is as missing as none. */
  private async require(caller: Principal, id: string): Promise<SsoConnection> {
    const connection = await this.connections.findInOrganization(actingOrganizationId(caller), id);
    if (!connection) throw new NotFoundError('SSO connection not found');
    return connection;
  }

  /** A domain another connection has verified is that connection's alone (the contract's 409). */
  private async assertNotVerifiedElsewhere(
    domains: string[],
    connectionId: string | null,
  ): Promise<void> {
    const taken = await this.connections.verifiedElsewhere(domains, connectionId);
    if (taken.length > 0) throw domainsClaimedElsewhere(taken);
  }
}

/** What the audit log keeps of a connection: its settings, no certificate body. */
function auditView(dto: SsoConnectionDto): Record<string, unknown> {
  return {
    name: dto.name,
    provider: dto.provider,
    idp_entity_id: dto.idp_entity_id,
    idp_sso_url: dto.idp_sso_url,
    idp_metadata_url: dto.idp_metadata_url,
    idp_certificates: dto.idp_certificates.length,
    domains: dto.domains,
    default_role: dto.default_role,
    // Pairs, not the map: its keys are group names an administrator chooses, and the audit log
    // drops keys that look like secrets ("Private-Cloud-Admins" would vanish with its role).
    group_role_mapping: Object.entries(dto.group_role_mapping).map(([group, role]) => ({
      group,
      role,
    })),
    update_role_on_login: dto.update_role_on_login,
    allow_idp_initiated: dto.allow_idp_initiated,
    redirect_urls: dto.redirect_urls,
  };
}

function contractName(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
