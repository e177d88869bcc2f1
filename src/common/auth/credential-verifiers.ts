import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { INVALID_CREDENTIAL } from '../errors/api-errors';
import { CredentialVerifier, CredentialVerifierProvider } from './credential-verifier';
import type { Principal } from './principal';

/**
 * Every credential verifier of the application, found at boot by their decorator. The access
 * guard asks them in turn and knows none by name.
 */
@Injectable()
export class CredentialVerifiers implements OnApplicationBootstrap {
  private verifiers: CredentialVerifier[] = [];
  private readonly byPrincipalType = new Map<string, CredentialVerifier>();

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const found = this.discovery
      .getProviders({ metadataKey: CredentialVerifierProvider.KEY })
      .filter((wrapper) => wrapper.instance)
      .map((wrapper) => ({
        verifier: wrapper.instance as CredentialVerifier,
        order: this.discovery.getMetadataByDecorator(CredentialVerifierProvider, wrapper)!.order,
      }))
      .sort((a, b) => a.order - b.order);
    this.verifiers = found.map(({ verifier }) => verifier);
    // Several kinds may make one type of principal (a user's token, a user's SSO session): the
    // first in order answers for that type in other organizations.
    for (const verifier of [...this.verifiers].reverse()) {
      this.byPrincipalType.set(verifier.principalType, verifier);
    }
  }

  /** Synchronous when the verifier's caches hold the credential; a promise otherwise. */
  authenticate(credential: string, request: FastifyRequest): Principal | Promise<Principal> {
    for (const verifier of this.verifiers) {
      if (verifier.recognizes(credential)) return verifier.verify(credential, request);
    }
    throw INVALID_CREDENTIAL;
  }

  /** The same caller in another organization, or null when it has no access there. */
  inOrganization(principal: Principal, organizationId: string): Promise<Principal | null> {
    if (principal.organizationId === organizationId) return Promise.resolve(principal);
    const verifier = this.byPrincipalType.get(principal.type);
    return verifier ? verifier.inOrganization(principal, organizationId) : Promise.resolve(null);
  }

  /** A verified caller's request got a server error (5xx): its verifier may count it as failed. */
  failedToServe(principal: Principal, startedAt: number): void {
    this.byPrincipalType.get(principal.type)?.failedToServe?.(principal, startedAt);
  }

  /** A verified caller was refused by the rate limits or the route's scopes after all. */
  notAdmitted(principal: Principal): void {
    this.byPrincipalType.get(principal.type)?.notAdmitted?.(principal);
  }
}
