import { validateEnvironment } from './env.schema';

describe('environment validation', () => {
  it('writes audit anchors to the log every 1000 events unless told otherwise; 0 turns it off', () => {
    expect(validateEnvironment({}).AUDIT_ANCHOR_LOG_INTERVAL).toBe(1000);
    expect(validateEnvironment({ AUDIT_ANCHOR_LOG_INTERVAL: '0' }).AUDIT_ANCHOR_LOG_INTERVAL).toBe(
      0,
    );
    expect(validateEnvironment({ AUDIT_ANCHOR_LOG_INTERVAL: '50' }).AUDIT_ANCHOR_LOG_INTERVAL).toBe(
      50,
    );
  });

  it('refuses an interval that is no whole number of events, naming the variable', () => {
    for (const value of ['-1', 'often', '1.5', '2000000']) {
      expect(() => validateEnvironment({ AUDIT_ANCHOR_LOG_INTERVAL: value })).toThrow(
        /AUDIT_ANCHOR_LOG_INTERVAL/,
      );
    }
  });

  it('counts a machine’s tokens 10 s at a time unless told otherwise; 0 writes each, at most 10 minutes', () => {
    expect(validateEnvironment({}).AUDIT_MACHINE_TOKEN_WINDOW_SECONDS).toBe(10);
    expect(
      validateEnvironment({ AUDIT_MACHINE_TOKEN_WINDOW_SECONDS: '0' })
        .AUDIT_MACHINE_TOKEN_WINDOW_SECONDS,
    ).toBe(0);
    for (const value of ['-1', '601', 'often', '1.5']) {
      expect(() => validateEnvironment({ AUDIT_MACHINE_TOKEN_WINDOW_SECONDS: value })).toThrow(
        /AUDIT_MACHINE_TOKEN_WINDOW_SECONDS/,
      );
    }
  });

  it('reads the invalidation log every 2 s unless told otherwise, between 100 ms and 60 s', () => {
    expect(validateEnvironment({}).INVALIDATION_POLL_MS).toBe(2000);
    expect(validateEnvironment({ INVALIDATION_POLL_MS: '500' }).INVALIDATION_POLL_MS).toBe(500);
    for (const value of ['0', '99', '60001', 'often', '1.5']) {
      expect(() => validateEnvironment({ INVALIDATION_POLL_MS: value })).toThrow(
        /INVALIDATION_POLL_MS/,
      );
    }
  });

  it('serves stale cache entries for 300 s while the database is down unless told otherwise (0 turns it off)', () => {
    expect(validateEnvironment({}).STALE_IF_ERROR_SECONDS).toBe(300);
    expect(validateEnvironment({ STALE_IF_ERROR_SECONDS: '0' }).STALE_IF_ERROR_SECONDS).toBe(0);
    for (const value of ['-1', '86401', 'long', '1.5']) {
      expect(() => validateEnvironment({ STALE_IF_ERROR_SECONDS: value })).toThrow(
        /STALE_IF_ERROR_SECONDS/,
      );
    }
  });

  it('bounds every wait for the database at 2 s unless told otherwise, refusing no bound or a silly one', () => {
    expect(validateEnvironment({}).DB_TIMEOUT_MS).toBe(2000);
    expect(validateEnvironment({ DB_TIMEOUT_MS: '5000' }).DB_TIMEOUT_MS).toBe(5000);
    for (const value of ['0', '50', 'forever', '1.5', '3600000']) {
      expect(() => validateEnvironment({ DB_TIMEOUT_MS: value })).toThrow(/DB_TIMEOUT_MS/);
    }
  });

  it('lets an OAuth authorization code live 60 s unless told less, never more', () => {
    expect(validateEnvironment({}).OAUTH_CODE_TTL_SECONDS).toBe(60);
    expect(validateEnvironment({ OAUTH_CODE_TTL_SECONDS: '30' }).OAUTH_CODE_TTL_SECONDS).toBe(30);
    for (const value of ['0', '61', '600', 'soon', '1.5']) {
      expect(() => validateEnvironment({ OAUTH_CODE_TTL_SECONDS: value })).toThrow(
        /OAUTH_CODE_TTL_SECONDS/,
      );
    }
  });

  it('ends an OAuth refresh token family after 30 days unless told otherwise (1..365)', () => {
    expect(validateEnvironment({}).OAUTH_REFRESH_TOKEN_MAX_DAYS).toBe(30);
    expect(
      validateEnvironment({ OAUTH_REFRESH_TOKEN_MAX_DAYS: '7' }).OAUTH_REFRESH_TOKEN_MAX_DAYS,
    ).toBe(7);
    for (const value of ['0', '366', 'never']) {
      expect(() => validateEnvironment({ OAUTH_REFRESH_TOKEN_MAX_DAYS: value })).toThrow(
        /OAUTH_REFRESH_TOKEN_MAX_DAYS/,
      );
    }
  });

  it('refuses IdP metadata from non-public addresses unless the operator allows them', () => {
    expect(validateEnvironment({}).SSO_METADATA_ALLOW_PRIVATE_ADDRESSES).toBe(false);
    expect(
      validateEnvironment({ SSO_METADATA_ALLOW_PRIVATE_ADDRESSES: 'true' })
        .SSO_METADATA_ALLOW_PRIVATE_ADDRESSES,
    ).toBe(true);
    for (const value of ['maybe', '2', 'on']) {
      expect(() => validateEnvironment({ SSO_METADATA_ALLOW_PRIVATE_ADDRESSES: value })).toThrow(
        /SSO_METADATA_ALLOW_PRIVATE_ADDRESSES/,
      );
    }
  });

  it('sends the IETF RateLimit headers unless RATE_LIMIT_IETF_HEADERS turns them off', () => {
    expect(validateEnvironment({}).RATE_LIMIT_IETF_HEADERS).toBe(true);
    expect(validateEnvironment({ RATE_LIMIT_IETF_HEADERS: 'false' }).RATE_LIMIT_IETF_HEADERS).toBe(
      false,
    );
    expect(validateEnvironment({ RATE_LIMIT_IETF_HEADERS: '0' }).RATE_LIMIT_IETF_HEADERS).toBe(
      false,
    );
    for (const value of ['off', 'ietf', '2']) {
      expect(() => validateEnvironment({ RATE_LIMIT_IETF_HEADERS: value })).toThrow(
        /RATE_LIMIT_IETF_HEADERS/,
      );
    }
  });
});
