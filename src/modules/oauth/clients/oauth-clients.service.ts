import { Injectable } from '@nestjs/common';
import { actingOrganizationId } from '../../../common/auth/authorization';
import type { Principal } from '../../../common/auth/principal';
import { ScopeCatalogue } from '../../../common/auth/scope-catalogue';
import { BadRequestError, ConflictError, NotFoundError } from '../../../common/errors/api-errors';
import { DEFAULT_PAGE_SIZE, ListPage, ListQueryDto, toPage } from '../../../common/http/pagination';
import { prefixedId } from '../../../common/ids';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import type { OAuthClient } from '../storage/oauth-client.entity';
import { ClientSecrets } from './client-secrets';
import { CreateOAuthClientDto } from './dto/create-oauth-client.dto';
import {
  CreatedOAuthClientDto,
  OAuthClientDto,
  RotatedClientSecretDto,
} from './dto/oauth-client.dto';
import { UpdateOAuthClientDto } from './dto/update-oauth-client.dto';
import { OAuthClientChanges } from './oauth-client-changes';
import {
  DEFAULT_GRANT_TYPES,
  grantTypesOf,
  postLogoutRedirectUrisOf,
  redirectUrisOf,
  scopesOf,
  storedFields,
} from './oauth-client-fields';
import { OAUTH_CLIENT_ID_PREFIX } from './oauth-client-id';
import {
  assertCallerMayGrant,
  assertCoherent,
  ClientSettings,
  knownScopes,
  unique,
} from './oauth-client-rules';
import { OAuthClientPatch, OAuthClientsRepository } from './oauth-clients.repository';
import { toOAuthClientDto } from './oauth-clients.mapper';
import { CredentialMinting } from '../../users/credential-minting';

/** The contract's name of each setting a PATCH may change, for the audit event. */
const UPDATABLE_FIELDS = {
  name: 'name',
  redirectUris: 'redirect_uris',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  grantTypes: 'grant_types',
  scopes: 'scopes',
} as const satisfies Record<Exclude<keyof OAuthClientPatch, 'updatedAt'>, keyof OAuthClientDto>;

/**
 * Registering and managing an organization's OAuth clients. The rules: a caller never gives a
 * client scopes it lacks itself (the OpenID Connect scopes aside), and changes, rotates or
 * deletes only a client it could have registered; the secret is shown once and stored as a keyed
 * hash; every change is told to every instance (OAuthClientChanges), so token verifiers drop a
 * changed or deleted client at once.
 */
@Injectable()
export class OAuthClientsService {
  constructor(
    private readonly clients: OAuthClientsRepository,
    private readonly secrets: ClientSecrets,
    private readonly changes: OAuthClientChanges,
    private readonly catalogue: ScopeCatalogue,
    private readonly audit: AuditRecorder,
    private readonly minting: CredentialMinting,
  ) {}

  async create(caller: Principal, dto: CreateOAuthClientDto): Promise<CreatedOAuthClientDto> {
    await this.minting.assertMayMint(caller, 'register OAuth clients');
    const organizationId = actingOrganizationId(caller);
    const settings: ClientSettings = {
      clientType: dto.client_type,
      redirectUris: unique(dto.redirect_uris ?? []),
      postLogoutRedirectUris: unique(dto.post_logout_redirect_uris ?? []),
      grantTypes: unique(dto.grant_types ?? DEFAULT_GRANT_TYPES),
      scopes: knownScopes(dto.scopes, this.catalogue),
    };
    assertCoherent(settings);
    assertCallerMayGrant(caller, settings.scopes);

    const secret = settings.clientType === 'confidential' ? this.secrets.generate() : null;
    const now = new Date();
    const client: OAuthClient = {
      id: prefixedId(OAUTH_CLIENT_ID_PREFIX),
      organizationId,
      name: dto.name,
      clientType: settings.clientType,
      ...storedFields(settings),
      secretHash: secret?.hash ?? null,
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      firstParty: false,
      createdBy: `${caller.type}:${caller.subject}`,
      createdAt: now,
      updatedAt: now,
    };
    await this.clients.insert(client);
    const created = toOAuthClientDto(client);
    this.audit.record(AUDIT_ACTIONS.oauthClientCreated, {
      organizationId,
      by: caller,
      target: { type: 'oauth_client', id: client.id },
      metadata: {
        name: created.name,
        client_type: created.client_type,
        redirect_uris: created.redirect_uris,
        post_logout_redirect_uris: created.post_logout_redirect_uris,
        grant_types: created.grant_types,
        scopes: created.scopes,
      },
    });
    return secret ? { ...created, client_secret: secret.secret } : created;
  }

  async list(caller: Principal, query: ListQueryDto): Promise<ListPage<OAuthClientDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.clients.list(actingOrganizationId(caller), {
      limit,
      startingAfter: query.starting_after,
    });
    return toPage(rows, limit, (client) => toOAuthClientDto(client));
  }

  async get(caller: Principal, clientId: string): Promise<OAuthClientDto> {
    return toOAuthClientDto(await this.require(caller, clientId));
  }

  async update(
    caller: Principal,
    clientId: string,
    dto: UpdateOAuthClientDto,
  ): Promise<OAuthClientDto> {
    const client = await this.require(caller, clientId);
    const settings: ClientSettings = {
      clientType: client.clientType,
      redirectUris: dto.redirect_uris ? unique(dto.redirect_uris) : redirectUrisOf(client),
      postLogoutRedirectUris: dto.post_logout_redirect_uris
        ? unique(dto.post_logout_redirect_uris)
        : postLogoutRedirectUrisOf(client),
      grantTypes: dto.grant_types ? unique(dto.grant_types) : grantTypesOf(client),
      scopes: dto.scopes ? knownScopes(dto.scopes, this.catalogue) : scopesOf(client),
    };
    assertCoherent(settings);
    assertMayChange(caller, client, settings);

    const patch = changesOf(client, dto.name ?? client.name, settings);
    const changed = Object.keys(patch) as (keyof typeof UPDATABLE_FIELDS)[];
    if (changed.length === 0) return toOAuthClientDto(client);
    const updated: OAuthClient = { ...client, ...patch, updatedAt: new Date() };
    await this.clients.update(client.organizationId, client.id, {
      ...patch,
      updatedAt: updated.updatedAt,
    });
    await this.changes.publish({
      id: client.id,
      organizationId: client.organizationId,
      change: 'updated',
    });
    const after = toOAuthClientDto(updated);
    const fields = changed.map((field) => UPDATABLE_FIELDS[field]);
    this.audit.record(AUDIT_ACTIONS.oauthClientUpdated, {
      organizationId: client.organizationId,
      by: caller,
      target: { type: 'oauth_client', id: client.id },
      metadata: {
        changed: fields,
        ...Object.fromEntries(fields.map((field) => [field, after[field]])),
      },
    });
    return after;
  }

  /**
   * A new secret, shown once. The old one keeps working for `gracePeriodSeconds` (0: it stops
   * at once) so deployments can switch over; a secret still in its grace period from an earlier
   * rotation stops now (a client has at most two).
   */
  async rotateSecret(
    caller: Principal,
    clientId: string,
    gracePeriodSeconds = 0,
  ): Promise<RotatedClientSecretDto> {
    await this.minting.assertMayMint(caller, "rotate an OAuth client's secret");
    const client = await this.require(caller, clientId);
    if (client.clientType === 'public' || client.secretHash === null) {
      throw new BadRequestError('A public client has no secret to rotate', 'public_client');
    }
    // The new secret carries the client's power (client_credentials): only for who could grant it.
    assertCallerMayGrant(caller, scopesOf(client));
    const now = Date.now();
    const { secret, hash } = this.secrets.generate();
    const keepsPrevious = gracePeriodSeconds > 0;
    const rotated: OAuthClient = {
      ...client,
      secretHash: hash,
      previousSecretHash: keepsPrevious ? client.secretHash : null,
      previousSecretExpiresAt: keepsPrevious ? new Date(now + gracePeriodSeconds * 1000) : null,
      updatedAt: new Date(now),
    };
    const won = await this.clients.rotateSecret(
      client.organizationId,
      client.id,
      client.secretHash,
      {
        secretHash: rotated.secretHash,
        previousSecretHash: rotated.previousSecretHash,
        previousSecretExpiresAt: rotated.previousSecretExpiresAt,
        updatedAt: rotated.updatedAt,
      },
    );
    if (!won) {
      throw new ConflictError(
        'The secret was rotated by another request meanwhile; rotate again if needed',
        'secret_rotated_concurrently',
      );
    }
    await this.changes.publish({
      id: client.id,
      organizationId: client.organizationId,
      change: 'secret_rotated',
    });
    this.audit.record(AUDIT_ACTIONS.oauthClientSecretRotated, {
      organizationId: client.organizationId,
      by: caller,
      target: { type: 'oauth_client', id: client.id },
      metadata: {
        grace_period_seconds: gracePeriodSeconds,
        grace_ends_at: rotated.previousSecretExpiresAt?.toISOString() ?? null,
      },
    });
    return { ...toOAuthClientDto(rotated, now), client_secret: secret };
  }

  /** Deletes the client with its grants, codes and refresh tokens: its tokens stop working. */
  async delete(caller: Principal, clientId: string): Promise<void> {
    const client = await this.require(caller, clientId);
    assertCallerMayGrant(caller, scopesOf(client));
    if (!(await this.clients.delete(client.organizationId, client.id))) {
      throw new NotFoundError('OAuth client not found');
    }
    await this.changes.publish({
      id: client.id,
      organizationId: client.organizationId,
      change: 'deleted',
    });
    this.audit.record(AUDIT_ACTIONS.oauthClientDeleted, {
      organizationId: client.organizationId,
      by: caller,
      target: { type: 'oauth_client', id: client.id },
      metadata: { name: client.name, client_type: client.clientType },
    });
  }

  /** The client in the caller's organization; another organization's is as missing as none. */
  private async require(caller: Principal, clientId: string): Promise<OAuthClient> {
    const client = await this.clients.findInOrganization(actingOrganizationId(caller), clientId);
    if (!client) throw new NotFoundError('OAuth client not found');
    return client;
  }
}

/**
 * Narrowing a client (fewer scopes, URIs or grant types) or renaming it needs no more than the
 * write permission. Its new scopes must be the caller's; a new redirect URI or grant type hands
 * the client's power to a new place or flow, as strong as registering it: the caller must hold
 * every scope the client will have.
 */
function assertMayChange(caller: Principal, client: OAuthClient, settings: ClientSettings): void {
  const added = <T>(after: readonly T[], before: readonly T[]) =>
    after.filter((entry) => !before.includes(entry));
  assertCallerMayGrant(caller, added(settings.scopes, scopesOf(client)));
  const widened =
    added(settings.redirectUris, redirectUrisOf(client)).length > 0 ||
    added(settings.postLogoutRedirectUris, postLogoutRedirectUrisOf(client)).length > 0 ||
    added(settings.grantTypes, grantTypesOf(client)).length > 0;
  if (widened) assertCallerMayGrant(caller, settings.scopes);
}

/** The stored columns these settings change, only those that differ. */
function changesOf(client: OAuthClient, name: string, settings: ClientSettings): OAuthClientPatch {
  const stored = storedFields(settings);
  const patch: OAuthClientPatch = {};
  if (name !== client.name) patch.name = name;
  for (const field of ['redirectUris', 'postLogoutRedirectUris', 'grantTypes', 'scopes'] as const) {
    if (stored[field] !== client[field]) patch[field] = stored[field];
  }
  return patch;
}
