import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessTokenVerifier } from './access-token.verifier';
import { ApiKeyVerifier } from './api-key.verifier';
import { TESSERA_AUTH_OPTIONS, type TesseraAuthOptions } from './tessera-auth.options';
import { TesseraAuthGuard } from './tessera-auth.guard';

/**
 * Protects a Nest app with Tessera's credentials:
 * `TesseraAuthModule.forRoot({ issuer: 'https://auth.example.com' })` in the root module, then
 * `@Scopes('translate:write')` on routes and `@Public()` on the open ones.
 */
@Module({})
export class TesseraAuthModule {
  static forRoot(options: TesseraAuthOptions): DynamicModule {
    if (!options?.issuer) throw new Error('TesseraAuthModule.forRoot needs the issuer');
    const guard =
      options.global === false ? [] : [{ provide: APP_GUARD, useExisting: TesseraAuthGuard }];
    return {
      module: TesseraAuthModule,
      global: true,
      providers: [
        { provide: TESSERA_AUTH_OPTIONS, useValue: options },
        AccessTokenVerifier,
        ApiKeyVerifier,
        TesseraAuthGuard,
        ...guard,
      ],
      exports: [TesseraAuthGuard, AccessTokenVerifier, ApiKeyVerifier, TESSERA_AUTH_OPTIONS],
    };
  }
}
