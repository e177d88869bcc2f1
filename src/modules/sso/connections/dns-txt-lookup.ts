import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Resolver } from 'node:dns/promises';
import { EnvironmentVariables } from '../../../config/env.schema';

/** A TXT look-up that failed for another reason than "no such record" (timeout, SERVFAIL…). */
export class DnsLookupFailed extends Error {}

/** Answers that mean the name or its TXT records do not exist: nothing published. */
const NOTHING_PUBLISHED = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

/**
 * TXT records, as a domain's verification reads them: through SSO_DNS_SERVERS when set (an
 * operator's resolver, or the tests' own DNS server on 127.0.0.1), else the system's. A
 * resolver of its own, with a short time limit: a tenant's broken zone cannot hold a request.
 */
@Injectable()
export class DnsTxtLookup {
  private readonly resolver = new Resolver({ timeout: 2000, tries: 2 });

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    const servers = config
      .get('SSO_DNS_SERVERS', { infer: true })
      .split(/[\s,]+/)
      .filter(Boolean);
    if (servers.length > 0) {
      try {
        this.resolver.setServers(servers);
      } catch (error) {
        throw new Error(`SSO_DNS_SERVERS: ${(error as Error).message}`);
      }
    }
  }

  /** The TXT records at `name`, each joined from its strings; [] when there are none. */
  async txt(name: string): Promise<string[]> {
    try {
      return (await this.resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch (error) {
      if (NOTHING_PUBLISHED.has((error as NodeJS.ErrnoException).code ?? '')) return [];
      throw new DnsLookupFailed((error as NodeJS.ErrnoException).code ?? 'lookup failed');
    }
  }
}
