import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { IdColumn, RefColumn, TimeColumn } from '../../../database/columns';
import type { Role } from '../../organizations/roles';
import type { SsoProvider } from './provider-presets';

/**
 * An IdP certificate the connection trusts. `fromMetadata`: it came from the metadata URL;
 * `lastPublishedAt`: the last fetch that still listed it; `unpublishedSince`: the first
 * successful fetch that no longer did. Such a certificate stays trusted for the overlap period
 * after that (the IdP may still sign with it while it rotates), then is dropped. Only a fetch
 * that succeeded starts that countdown: with the refresh off or the URL unreachable, the
 * certificates stay as they are. One entered by hand stays until it is replaced.
 */
export interface IdpCertificate {
  pem: string;
  fromMetadata: boolean;
  lastPublishedAt: string | null;
  /** Absent in rows stored before it existed: still published. */
  unpublishedSince?: string | null;
}

/** An organization's SAML 2.0 identity provider (API.md "SAML 2.0 single sign-on"). */
@Entity('sso_connections')
@Index('ix_sso_connections_org', ['organizationId', 'id'])
export class SsoConnection {
  @IdColumn()
  id: string;

  @RefColumn('organization_id')
  organizationId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 20 })
  provider: SsoProvider;

  @Column({ name: 'idp_entity_id', type: 'varchar', length: 1024 })
  idpEntityId: string;

  /** Where AuthnRequests go (HTTP-Redirect binding). */
  @Column({ name: 'idp_sso_url', type: 'varchar', length: 2048 })
  idpSsoUrl: string;

  /** JSON: IdpCertificate[]. MEDIUMTEXT on MySQL (SsoConnectionsMediumText1765001500000). */
  @Column({ name: 'idp_certificates', type: 'text' })
  idpCertificates: string;

  @Column({ name: 'idp_metadata_url', type: 'varchar', length: 2048, nullable: true })
  idpMetadataUrl: string | null;

  @TimeColumn('metadata_fetched_at', { nullable: true })
  metadataFetchedAt: Date | null;

  /** JSON: the lower-case email domains, as claimed in sso_connection_domains. */
  @Column({ type: 'text' })
  domains: string;

  /** JSON: { email?, first_name?, last_name?, full_name?, groups? } → the IdP's attribute names. */
  @Column({ name: 'attribute_mapping', type: 'text' })
  attributeMapping: string;

  @Column({ name: 'default_role', type: 'varchar', length: 20 })
  defaultRole: Role;

  /** JSON: { "<group>": "<role>" }. MEDIUMTEXT on MySQL, as idp_certificates. */
  @Column({ name: 'group_role_mapping', type: 'text' })
  groupRoleMapping: string;

  @Column({ name: 'update_role_on_login', type: 'boolean', default: false })
  updateRoleOnLogin: boolean;

  @Column({ name: 'allow_idp_initiated', type: 'boolean', default: false })
  allowIdpInitiated: boolean;

  /** JSON: absolute URLs a RelayState may name besides this server's own paths. MEDIUMTEXT on MySQL. */
  @Column({ name: 'redirect_urls', type: 'text' })
  redirectUrls: string;

  /** The SP's AuthnRequest signing key (PKCS#8 PEM encrypted with the master key), or null. */
  @Column({ name: 'sp_signing_key', type: 'text', nullable: true })
  spSigningKeyEncrypted: string | null;

  @Column({ name: 'sp_signing_certificate', type: 'text', nullable: true })
  spSigningCertificate: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 80 })
  createdBy: string;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('updated_at')
  updatedAt: Date;
}

export type DomainVerificationMethod = 'dns_txt' | 'operator';

/**
 * One connection's claim on an email domain, pending until verified: by a DNS TXT record
 * publishing `verificationToken`, or by the instance's operator vouching for the tenant.
 * Several connections (of any organizations) may claim a domain pending; only one may hold it
 * verified (`verifiedDomain`'s unique index, SsoVerifiedDomains1765001900000), and only that
 * claim is exclusive and routes discovery.
 */
@Entity('sso_connection_domains')
@Index('ux_sso_connection_domains_verified', ['verifiedDomain'], { unique: true })
export class SsoConnectionDomain {
  @PrimaryColumn({ type: 'varchar', length: 253 })
  domain: string;

  @PrimaryColumn({ name: 'connection_id', type: 'varchar', length: 36 })
  connectionId: string;

  @RefColumn('organization_id')
  organizationId: string;

  /** Public: what the TXT record must say (not a secret, a proof of control of the zone). */
  @Column({ name: 'verification_token', type: 'varchar', length: 64, nullable: true })
  verificationToken: string | null;

  @TimeColumn('verified_at', { nullable: true })
  verifiedAt: Date | null;

  @Column({ name: 'verified_by', type: 'varchar', length: 20, nullable: true })
  verifiedBy: DomainVerificationMethod | null;

  /** `domain` once verified, else null: unique, so one verified claim per domain. */
  @Column({ name: 'verified_domain', type: 'varchar', length: 253, nullable: true })
  verifiedDomain: string | null;
}

/**
 * A user a connection provisioned: one it may sign in again while its domain is unverified
 * (it made the account, so no one else's account is taken over).
 */
@Entity('sso_user_links')
export class SsoUserLink {
  @PrimaryColumn({ name: 'connection_id', type: 'varchar', length: 36 })
  connectionId: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @RefColumn('organization_id')
  organizationId: string;

  @TimeColumn('created_at')
  createdAt: Date;
}
