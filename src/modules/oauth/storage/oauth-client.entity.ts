import { Column, Entity, Index } from 'typeorm';
import { RefColumn, TimeColumn } from '../../../database/columns';

/** `confidential` clients hold a secret; `public` ones (SPAs, native apps) cannot and use PKCE. */
export type OAuthClientType = 'confidential' | 'public';

/**
 * An application registered by an organization to use Tessera's OAuth endpoints. Only a keyed
 * hash of its secret is stored; a rotated-out secret stays valid until `previousSecretExpiresAt`
 * so deployments can switch over.
 */
@Entity('oauth_clients')
@Index('ix_oauth_clients_org', ['organizationId', 'id'])
export class OAuthClient {
  /** The `client_id`: `client_<uuidv7 hex>`, sorts by creation time. */
  @Column({ type: 'varchar', length: 40, primary: true })
  id: string;

  @RefColumn('organization_id')
  organizationId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'client_type', type: 'varchar', length: 20 })
  clientType: OAuthClientType;

  /** JSON array of exact redirect URIs (compared as strings, RFC 9700 section 4.1.3). */
  @Column({ name: 'redirect_uris', type: 'text' })
  redirectUris: string;

  /** JSON array of exact URIs `/oauth/logout` may send the browser back to. */
  @Column({ name: 'post_logout_redirect_uris', type: 'text' })
  postLogoutRedirectUris: string;

  /** Space-separated grant types the client may use. */
  @Column({ name: 'grant_types', type: 'text' })
  grantTypes: string;

  /** Space-separated: the most the client may ask for. */
  @Column({ type: 'text' })
  scopes: string;

  /** Keyed SHA-256 of the secret (confidential clients only). */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64, nullable: true })
  secretHash: string | null;

  @Column({ name: 'previous_secret_hash', type: 'varchar', length: 64, nullable: true })
  previousSecretHash: string | null;

  @TimeColumn('previous_secret_expires_at', { nullable: true })
  previousSecretExpiresAt: Date | null;

  /** Tessera's own clients (the console): consent is not asked. Never settable through the API. */
  @Column({ name: 'first_party', type: 'boolean', default: false })
  firstParty: boolean;

  @Column({ name: 'created_by', type: 'varchar', length: 80 })
  createdBy: string;

  @TimeColumn('created_at')
  createdAt: Date;

  @TimeColumn('updated_at')
  updatedAt: Date;
}
