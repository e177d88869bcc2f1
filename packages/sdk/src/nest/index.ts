export { TesseraAuthModule } from './tessera-auth.module';
export { TesseraAuthGuard, credentialOf } from './tessera-auth.guard';
export { AccessTokenVerifier } from './access-token.verifier';
export { ApiKeyVerifier } from './api-key.verifier';
export { Scopes, Public, CurrentPrincipal, PRINCIPAL_PROPERTY } from './decorators';
export {
  DEFAULT_API_KEY_CACHE_TTL_MS,
  TESSERA_AUTH_OPTIONS,
  type TesseraAuthOptions,
} from './tessera-auth.options';
export { hasScope, scopeCovers, type TesseraPrincipal } from './tessera-principal';
export { TesseraRefusal } from './refusals';
