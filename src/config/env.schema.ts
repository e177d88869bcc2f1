import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidateBy,
} from 'class-validator';
import { API_KEY_PREFIX_PATTERN } from '../modules/api-keys/api-key-format';
import { reporterKeysProblem } from '../modules/api-keys/leaked/reporter-keys';

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  if (['true', '1', 'yes'].includes(value.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(value.toLowerCase())) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * Every environment variable Tessera reads, with its default. Validated once at boot: a wrong
 * value stops the service with a message naming the variable. No secret has a default here.
 * Keep in step with the configuration table in README.md.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** mysql://user:pass@host:3306/db, or unset for the embedded SQLite file. */
  @IsOptional()
  @Matches(/^(mysql|mariadb):\/\/.+/, { message: 'DATABASE_URL must be a mysql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  SQLITE_PATH = './data/tessera.sqlite';

  @Transform(toBoolean)
  @IsBoolean()
  DB_MIGRATIONS_RUN = true;

  /**
   * The longest any wait for the database may take: a connection from the pool, connecting, one
   * query (MySQL/MariaDB), the SQLite busy timeout. Past it the request gets 503.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DB_TIMEOUT_MS = 2000;

  /**
   * While the database is unavailable, how often the count of requests refused with 503 is
   * logged (one line then, not one per request).
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  DB_OUTAGE_LOG_INTERVAL_MS = 10_000;

  /**
   * While the database cannot be reached, how long after a cached key, token, role or plan ran
   * out it still answers (never past an invalidation that reached the instance); 0: never.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86_400)
  STALE_IF_ERROR_SECONDS = 300;

  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  /**
   * How long a Redis command may go unanswered; a Redis that stops answering (paused, or a
   * network that drops packets) is then taken for down until it answers again.
   */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  REDIS_COMMAND_TIMEOUT_MS = 1000;

  @IsString()
  TESSERA_ISSUER = 'http://localhost:3000';

  /** The `aud` of access tokens; defaults to the issuer. */
  @IsOptional()
  @IsString()
  TESSERA_AUDIENCE?: string;

  @Matches(API_KEY_PREFIX_PATTERN, {
    message: 'TESSERA_KEY_PREFIX must be 1-16 lowercase letters or digits',
  })
  TESSERA_KEY_PREFIX = 'tk';

  /** 32+ characters; encrypts private keys and TOTP secrets at rest. Unset: ./data/master.key. */
  @IsOptional()
  @MinLength(32, { message: 'TESSERA_MASTER_KEY must be at least 32 characters' })
  TESSERA_MASTER_KEY?: string;

  @IsString()
  TESSERA_DATA_DIR = './data';

  /** Bearer token of the instance administrator; unset means no such credential exists. */
  @IsOptional()
  @MinLength(24, { message: 'TESSERA_ADMIN_TOKEN must be at least 24 characters' })
  TESSERA_ADMIN_TOKEN?: string;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86400)
  ACCESS_TOKEN_TTL_SECONDS = 3600;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(365)
  REFRESH_TOKEN_TTL_DAYS = 30;

  /**
   * A used refresh token presented again this soon after its use, while the token its use made
   * is still unused, is a retry (the client never got the answer) and gets new tokens in place
   * of that unused one; later, or once that one was used, it is a reuse and ends the session or
   * grant. 0 (the default): every second use is a reuse, as RFC 9700 section 4.14.2 has it.
   * Sessions and OAuth grants alike (Auth0's "reuse interval", Okta's "grace period").
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60)
  REFRESH_TOKEN_RETRY_GRACE_SECONDS = 0;

  /**
   * How long a sign-in on the hosted login page lasts: its browser cookie and the login session
   * under it (which GET /v1/auth/sessions lists and logout-all ends).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(720)
  BROWSER_SESSION_TTL_HOURS = 24;

  /**
   * How long an OAuth authorization code may wait to be exchanged. RFC 6749 section 4.1.2 asks
   * for at most 10 minutes and recommends less; the code only has to cross one redirect, so
   * Tessera allows a minute at most.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60)
  OAUTH_CODE_TTL_SECONDS = 60;

  /**
   * The absolute lifetime of an OAuth refresh token family: rotation hands the same end over to
   * each new token, so a grant needs the user again at least this often.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(365)
  OAUTH_REFRESH_TOKEN_MAX_DAYS = 30;

  /** Trust X-Forwarded-For from a proxy: `false`, `true`, a hop count, or addresses/CIDRs. */
  @IsString()
  TRUST_PROXY = 'false';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  BODY_LIMIT_BYTES = 102400;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_EMAIL = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_IP = 20;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_FAILURE_WINDOW_SECONDS = 900;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * Request lines of successful verifications (2xx of /v1/auth/verify, the call tenants' APIs
   * make on every request they serve) at LOG_LEVEL=info: one in this many, marked with
   * `sampled_one_in`; 1 writes every one, 0 none. Refusals, errors and every other route are
   * always logged; at LOG_LEVEL=debug every verification is (issue #19: a line cost ~12% of a
   * verify's CPU, README "Request logs").
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  VERIFY_LOG_SAMPLE = 100;

  @Transform(toBoolean)
  @IsBoolean()
  API_KEY_QUERY_PARAM_ENABLED = true;

  /** How often API key usage counters are written to the database. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  API_KEY_USAGE_FLUSH_MS = 5000;

  /**
   * How often each instance reads the database's log of changes (revokes, logouts, role and plan
   * changes) that Redis did not bring it: the bound on how late it applies one while Redis is down.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  INVALIDATION_POLL_MS = 2000;

  /** Audit events older than this are pruned (a checkpoint keeps the chain verifiable). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUDIT_RETENTION_DAYS = 365;

  /**
   * Audit events an instance holds while the database refuses writes; past it, events are
   * dropped and each chain records how many (an `audit.events_dropped` event).
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  AUDIT_MAX_QUEUED_EVENTS = 50_000;

  /**
   * Each time an audit chain passes a multiple of this many events, its signed head (anchor) is
   * written to the log too, so a copy lives outside the database; 0 turns that off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  AUDIT_ANCHOR_LOG_INTERVAL = 1000;

  /**
   * Tokens a client or service account gets for itself (client_credentials, jwt-bearer) with the
   * same scopes from the same address and user agent are audited as one event per this many
   * seconds, with their `count`; 0 audits each token as its own event. A killed process loses
   * the counts of its open windows, hence at most 10 minutes.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600)
  AUDIT_MACHINE_TOKEN_WINDOW_SECONDS = 10;

  /** Turn request rate limits off (e.g. behind a gateway that limits already). */
  @Transform(toBoolean)
  @IsBoolean()
  RATE_LIMITS_ENABLED = true;

  /**
   * Send the IETF RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers)
   * beside X-RateLimit-*; false sends X-RateLimit-* alone.
   */
  @Transform(toBoolean)
  @IsBoolean()
  RATE_LIMIT_IETF_HEADERS = true;

  /** Requests per minute per client IP on unauthenticated routes (login, register, refresh). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  PUBLIC_RATE_LIMIT_PER_MINUTE = 120;

  /**
   * How often SSO connections with a metadata URL re-fetch it (hours), so a rotated IdP
   * certificate is picked up; 0 turns the refresh off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(24 * 30)
  SSO_METADATA_REFRESH_HOURS = 24;

  /**
   * How long an IdP certificate its metadata stopped publishing stays trusted (days): the IdP
   * may still sign with it while it rotates.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(90)
  SSO_METADATA_CERT_OVERLAP_DAYS = 7;

  /**
   * Let SSO connections fetch IdP metadata from loopback, private, link-local and other
   * non-public addresses (an IdP inside the operator's own network). Off: such URLs are refused,
   * so a tenant cannot make the server reach into its network (SSRF).
   */
  @Transform(toBoolean)
  @IsBoolean()
  SSO_METADATA_ALLOW_PRIVATE_ADDRESSES = false;

  /**
   * DNS servers (`ip` or `ip:port`, comma or space separated) that SSO domain verification asks
   * for TXT records; empty: the system's resolvers.
   */
  @IsString()
  SSO_DNS_SERVERS = '';

  /**
   * The public keys (ECDSA P-256) that sign leaked-key reports from secret scanners, by key id:
   * JSON or the path of a JSON file (see leaked/reporter-keys.ts). Unset: every report is refused.
   */
  @IsOptional()
  @IsString()
  @ValidateBy({
    name: 'isReporterKeys',
    validator: {
      validate: (value) => reporterKeysProblem(value as string) === null,
      defaultMessage: (args) => reporterKeysProblem(args?.value as string) ?? '',
    },
  })
  LEAKED_KEY_REPORTER_KEYS?: string;

  /** Space-separated extra scopes added to the default catalogue. */
  @IsString()
  TESSERA_EXTRA_SCOPES = '';

  /** Where the built web console is (default: console/dist of this checkout). */
  @IsOptional()
  @IsString()
  TESSERA_CONSOLE_DIR?: string;
}

/** Used by ConfigModule.forRoot({ validate }) and by ormconfig.ts. */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const defined = Object.fromEntries(
    Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''),
  );
  const env = plainToInstance(EnvironmentVariables, defined, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.map(
      (error) => `  ${error.property}: ${Object.values(error.constraints ?? {}).join('; ')}`,
    );
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}
