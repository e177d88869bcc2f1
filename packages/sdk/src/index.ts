export { auditEventCount } from './audit-events';
export { Tessera, type TesseraOptions, type VerifyAnswer } from './client';
export { TesseraError, retryAfterSecondsOf, type ValidationIssue } from './errors';
export { DEFAULT_RETRY, RETRIED_STATUSES, type RetryOptions } from './http/retry';
export {
  apiKeyCredential,
  adminTokenCredential,
  type Credential,
  type CredentialContext,
  type CredentialKind,
} from './credentials/credential';
export {
  JWT_BEARER_GRANT_TYPE,
  readServiceAccountKeyFile,
  serviceAccountCredential,
  ServiceAccountCredential,
  type ServiceAccountKeyFile,
  type ServiceAccountOptions,
} from './credentials/service-account';
export {
  userSessionCredential,
  UserSessionCredential,
  type SessionTokens,
  type UserSessionOptions,
} from './credentials/user-session';
export {
  resolveCredential,
  type CredentialOptions,
  type ResolvedCredential,
} from './credentials/resolve-credential';
export {
  CONFIG_FILE_MODE,
  DEFAULT_PROFILE,
  configPathOf,
  profileNameOf,
  readConfigFile,
  readProfile,
  removeProfile,
  writeConfigFile,
  writeProfile,
  type ConfigLocation,
  type Profile,
} from './config/config-file';
export { parseIni, stringifyIni, type IniSections } from './config/ini';
export {
  API_KEY_ENVIRONMENTS,
  apiKeyPattern,
  isWellFormedApiKey,
  parseApiKey,
  type ApiKeyEnvironment,
  type WellFormedApiKey,
} from './api-key-format';
export type { paths, components, operations } from './generated/schema';
