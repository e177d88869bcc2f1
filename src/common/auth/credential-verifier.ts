import { DiscoveryService } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Principal, PrincipalType } from './principal';

/**
 * Turns one kind of credential (an API key, a user access token, ...) into a principal. Each
 * lives in the module that owns the credential and is found by the access guard through
 * `@CredentialVerifierProvider`: a new kind is a new file, not a branch in shared code.
 */
export interface CredentialVerifier<P extends Principal = Principal> {
  /** The type of principal this verifier makes. */
  readonly principalType: P['type'];

  /** By its shape alone, cheaply (it runs on every request): is this credential of my kind? */
  recognizes(credential: string): boolean;

  /**
   * The principal the credential stands for: synchronous when the verifier's caches hold what it
   * needs, a promise otherwise. Throws the contract's 401 (or 403 for a wrong organization).
   */
  verify(credential: string, request: FastifyRequest): P | Promise<P>;

  /**
   * The same caller acting in another organization (one named in a route's path), or null when
   * it has no access there.
   */
  inOrganization(principal: P, organizationId: string): Promise<P | null>;

  /**
   * The request this principal was verified for got a server error (5xx) after all: a verifier
   * that counts its credential's use by outcome counts it as failed, not served. `startedAt` is
   * when the request arrived (epoch ms). Called by the exception filter, on failures only.
   */
  failedToServe?(principal: P, startedAt: number): void;

  /**
   * The access guard refused the request after this verifier let its credential in (a rate
   * limit's 429, a missing scope's 403): a verifier that charged the credential for the request
   * (an API key's usage credits) gives it back. Called on those refusals only.
   */
  notAdmitted?(principal: P): void;
}

/**
 * Marks a provider as a credential verifier. `order` is when it is asked whether it recognizes a
 * credential (lower first); the first that does decides.
 */
export const CredentialVerifierProvider = DiscoveryService.createDecorator<{ order: number }>();

export type { PrincipalType };
