import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { TesseraPrincipal } from './tessera-principal';

export const TESSERA_SCOPES = 'tessera:scopes';
export const TESSERA_PUBLIC = 'tessera:public';

/** The scopes a route needs, every one (`@Scopes('translate:write')`); a missing one is 403. */
export const Scopes = (...scopes: string[]) => SetMetadata(TESSERA_SCOPES, scopes);

/** No credential needed: the guard lets every request through. */
export const Public = () => SetMetadata(TESSERA_PUBLIC, true);

/** Where the guard leaves the caller on the request (Express and Fastify alike). */
export const PRINCIPAL_PROPERTY = 'tesseraPrincipal';

/** The caller the guard verified, as a handler parameter. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): TesseraPrincipal | undefined =>
    context.switchToHttp().getRequest<Record<string, TesseraPrincipal | undefined>>()[
      PRINCIPAL_PROPERTY
    ],
);
