import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { MissingPermissionError, MissingScopeError, NotFoundError } from '../errors/api-errors';
import { AccessDeniedRecorder } from './access-denied-recorder';
import { isCanonicalUuid } from '../ids';
import { principalHasPermission, principalHasScope } from './authorization';
import type { Principal } from './principal';
import { CredentialVerifiers } from './credential-verifiers';
import type { RoutePolicy } from './route-policy';

/**
 * What an authenticated caller may do on a route (its @Access policy): every scope covered by its
 * scopes, then every permission in the organization the request acts in. With
 * `organizationFromPath: 'id'` that is the organization in the path: a caller with no access there
 * gets 404, as if it did not exist (another tenant's data is never confirmed).
 */
@Injectable()
export class RouteAuthorizer {
  constructor(
    private readonly verifiers: CredentialVerifiers,
    private readonly audit: AccessDeniedRecorder,
  ) {}

  /** Synchronous unless the route acts in an organization named by its path. */
  authorize(policy: RoutePolicy, request: FastifyRequest): void | Promise<void> {
    const principal = request.principal;
    if (!principal) return; // @Public route: nothing to check
    const missingScope = policy.scopes.find((scope) => !principalHasScope(principal, scope));
    if (missingScope) {
      this.audit.recordDenied(principal, { missing_scope: missingScope, route: routeOf(request) });
      throw new MissingScopeError(missingScope);
    }
    if (policy.permissions.length === 0) return;
    const pathParam = policy.organizationParam;
    if (!pathParam) return this.checkPermissions(policy, principal, request);
    // Fails closed: a route naming a parameter its path lacks answers 404, never acts on the
    // caller's own organization instead. An id not spelled as issued (another case, another
    // shape) names no organization either, and is never looked up or cached.
    const organizationId = (request.params as Record<string, string | undefined>)[pathParam];
    if (!organizationId || !isCanonicalUuid(organizationId)) {
      throw new NotFoundError('Organization not found');
    }
    if (organizationId === principal.organizationId) {
      return this.checkPermissions(policy, principal, request);
    }
    return this.verifiers.inOrganization(principal, organizationId).then((there) => {
      if (!there) throw new NotFoundError('Organization not found');
      request.principal = there;
      this.checkPermissions(policy, there, request);
    });
  }

  private checkPermissions(policy: RoutePolicy, principal: Principal, request: FastifyRequest) {
    const missing = policy.permissions.find(
      (permission) => !principalHasPermission(principal, permission),
    );
    if (missing) {
      this.audit.recordDenied(principal, {
        missing_permission: missing.name,
        route: routeOf(request),
      });
      throw new MissingPermissionError(missing.name);
    }
  }
}

/** `POST /v1/translate`: the route pattern, never the concrete URL (which may carry secrets). */
function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions?.url ?? ''}`;
}
