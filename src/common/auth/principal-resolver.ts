import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal';

/**
 * Turns a presented credential into a Principal. Implemented by the auth module, which knows the
 * strategies (JWT, API key, administrator token); the guards here only depend on this shape.
 */
export abstract class PrincipalResolver {
  /** Throws UnauthorizedError (401) or ForbiddenError (403, wrong organization). */
  abstract authenticate(
    credential: string,
    request: FastifyRequest,
  ): Principal | Promise<Principal>;

  /** The same caller acting in another organization, or null when it has no access there. */
  abstract inOrganization(principal: Principal, organizationId: string): Promise<Principal | null>;
}
