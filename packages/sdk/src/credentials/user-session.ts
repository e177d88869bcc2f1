import { Credential, CredentialContext } from './credential';
import { isDueForRenewal, jwtExpiresAt } from './expiry';

/** The tokens of POST /v1/auth/login and /v1/auth/refresh. */
export interface SessionTokens {
  access_token: string;
  refresh_token: string;
  token_type?: string;
  expires_in?: number;
}

export interface UserSessionOptions {
  accessToken: string;
  refreshToken: string;
  /**
   * Called with the new tokens after every refresh, before they are used: store them (the old
   * refresh token is spent, and a reused one ends the whole session).
   */
  onTokenRefreshed?: (tokens: SessionTokens) => void | Promise<void>;
  /** Refresh this long before the access token expires (default 60 s). */
  refreshMarginMs?: number;
  now?: () => number;
  /**
   * Where other processes keep the same session (the CLI's profile): refreshes run under its
   * lock, and tokens another process already rotated are taken up instead of spending the stored
   * refresh token a second time.
   */
  sharedWith?: SharedSessionStore;
}

export interface SharedSessionStore {
  withLock<T>(work: () => Promise<T>): Promise<T>;
  /** The session's tokens as stored now, or undefined when they are gone. */
  latest(): { accessToken: string; refreshToken: string } | undefined;
}

/**
 * A signed-in user: the access token until shortly before it expires (its `exp`) or until a
 * 401, then POST /v1/auth/refresh. Refresh tokens rotate, so concurrent requests wait for one
 * refresh instead of each spending the same refresh token (which the server treats as theft).
 */
export class UserSessionCredential implements Credential {
  readonly kind = 'user_session';
  private accessToken: string;
  private refreshToken: string;
  private expiresAt: number | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly refreshMarginMs: number;
  private readonly now: () => number;

  constructor(private readonly options: UserSessionOptions) {
    if (!options.accessToken || !options.refreshToken) {
      throw new Error('A user session needs an access token and a refresh token');
    }
    this.accessToken = options.accessToken;
    this.refreshToken = options.refreshToken;
    this.expiresAt = jwtExpiresAt(options.accessToken);
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  async authorization(context: CredentialContext): Promise<string> {
    if (isDueForRenewal(this.expiresAt, this.now(), this.refreshMarginMs)) {
      await this.refresh(context);
    }
    return `Bearer ${this.accessToken}`;
  }

  async renew(context: CredentialContext): Promise<boolean> {
    await this.refresh(context);
    return true;
  }

  toJSON(): Record<string, string> {
    return { kind: this.kind };
  }

  private refresh(context: CredentialContext): Promise<void> {
    this.refreshing ??= this.refreshShared(context).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Under the shared store's lock: another process's newer tokens, else a refresh of ours. */
  private refreshShared(context: CredentialContext): Promise<void> {
    const store = this.options.sharedWith;
    if (!store) return this.exchange(context);
    return store.withLock(async () => {
      const stored = store.latest();
      if (stored && stored.refreshToken !== this.refreshToken) {
        this.use(stored.accessToken, stored.refreshToken, undefined);
        if (!isDueForRenewal(this.expiresAt, this.now(), this.refreshMarginMs)) return;
      }
      await this.exchange(context);
    });
  }

  private use(accessToken: string, refreshToken: string, expiresIn: number | undefined): void {
    this.accessToken = accessToken;
    this.refreshToken = refreshToken;
    this.expiresAt =
      jwtExpiresAt(accessToken) ?? (expiresIn ? this.now() + expiresIn * 1000 : undefined);
  }

  private async exchange(context: CredentialContext): Promise<void> {
    const response = await context.send(
      new Request(`${context.baseUrl}/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: this.refreshToken }),
      }),
    );
    const tokens = (await response.json()) as SessionTokens;
    this.use(tokens.access_token, tokens.refresh_token, tokens.expires_in);
    await this.options.onTokenRefreshed?.(tokens);
  }
}

export const userSessionCredential = (options: UserSessionOptions): UserSessionCredential =>
  new UserSessionCredential(options);
