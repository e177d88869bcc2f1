import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AccessTokensService } from '../tokens/access-tokens.service';
import type { OAuthClient } from '../oauth/storage/oauth-client.entity';
import {
  CONSOLE_CLIENT_NAME,
  consoleClientId,
  consoleRedirectUris,
  SYSTEM_ORGANIZATION_ID,
  SYSTEM_ORGANIZATION_NAME,
} from './console-client';
import { ConsoleClientRepository } from './console-client.repository';

/**
 * Registers the console's client for this issuer at start, idempotently: created once, its
 * settings rewritten when a new version of Tessera says otherwise. Nothing else about it can change: it is not reachable
 * through the management API (its organization has no member). Runs before the app listens.
 */
@Injectable()
export class ConsoleClientRegistration implements OnApplicationBootstrap {
  constructor(
    private readonly repository: ConsoleClientRepository,
    private readonly accessTokens: AccessTokensService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const uris = consoleRedirectUris(this.accessTokens.issuer);
    const redirectUris = JSON.stringify(uris.redirectUris);
    const postLogoutRedirectUris = JSON.stringify(uris.postLogoutRedirectUris);
    const now = new Date();
    await this.repository.ensureOrganization({
      id: SYSTEM_ORGANIZATION_ID,
      name: SYSTEM_ORGANIZATION_NAME,
      plan: 'free',
      customRateLimitPerMinute: null,
      leakedKeyPolicy: 'revoke',
      personal: false,
      createdAt: now,
      updatedAt: now,
    });
    const wanted = consoleClient(
      consoleClientId(this.accessTokens.issuer),
      redirectUris,
      postLogoutRedirectUris,
      now,
    );
    const existing = await this.repository.findClient(wanted.id);
    if (!existing) {
      await this.repository.insertClient(wanted);
    } else if (SETTINGS.some((setting) => existing[setting] !== wanted[setting])) {
      await this.repository.updateSettings(wanted.id, {
        ...pick(wanted, SETTINGS),
        updatedAt: now,
      });
    }
  }
}

/** What this version of Tessera says the console's client is: rewritten when it differs. */
const SETTINGS = [
  'redirectUris',
  'postLogoutRedirectUris',
  'grantTypes',
  'scopes',
  'clientType',
  'firstParty',
] as const satisfies readonly (keyof OAuthClient)[];

function pick<T, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, value[key]])) as Pick<T, K>;
}

function consoleClient(
  id: string,
  redirectUris: string,
  postLogoutRedirectUris: string,
  now: Date,
): OAuthClient {
  return {
    id,
    organizationId: SYSTEM_ORGANIZATION_ID,
    name: CONSOLE_CLIENT_NAME,
    clientType: 'public',
    redirectUris,
    postLogoutRedirectUris,
    // No refresh_token grant: the console's refresh token is its session's (/v1/auth/refresh).
    grantTypes: 'authorization_code',
    // Its ID token names the user (email, name) for the console's header.
    scopes: 'openid email profile',
    secretHash: null,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    firstParty: true,
    createdBy: 'tessera',
    createdAt: now,
    updatedAt: now,
  };
}
