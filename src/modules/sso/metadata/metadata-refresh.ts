import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BackgroundJobs } from '../../../common/jobs/background-jobs';
import { EnvironmentVariables } from '../../../config/env.schema';
import { AUDIT_ACTIONS } from '../../audit/audit-actions';
import { AuditRecorder } from '../../audit/audit-recorder.service';
import { certificatesOf, withinOverlap } from '../connections/sso-connection-fields';
import { isIdpUrl } from '../connections/sso-connection-rules';
import type { IdpCertificate, SsoConnection } from '../connections/sso-connection.entity';
import { SsoConnectionsRepository } from '../connections/sso-connections.repository';
import { parseIdpMetadata } from './idp-metadata';
import { MetadataUrlFetcher } from './metadata-url-fetcher';

/** What one re-fetch did to a connection's certificates. */
export interface RefreshOutcome {
  added: number;
  dropped: number;
}

/**
 * Re-fetches the metadata of every connection that has a metadata URL, every
 * SSO_METADATA_REFRESH_HOURS (0: never), so a rotated IdP certificate is trusted before the IdP
 * signs with it. A certificate the metadata publishes is added, or marked published now; one it
 * no longer publishes stays trusted for SSO_METADATA_CERT_OVERLAP_DAYS after the first fetch
 * that did not list it (the IdP may still sign with it while it rotates), then is dropped. Certificates given by
 * hand are never touched. A failed fetch changes nothing (the old certificates keep working)
 * and is logged and audited.
 */
@Injectable()
export class MetadataRefresh implements OnApplicationBootstrap {
  private readonly logger = new Logger(MetadataRefresh.name);
  private readonly intervalHours: number;
  private readonly overlapMs: number;

  constructor(
    private readonly connections: SsoConnectionsRepository,
    private readonly fetcher: MetadataUrlFetcher,
    private readonly audit: AuditRecorder,
    private readonly jobs: BackgroundJobs,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.intervalHours = config.get('SSO_METADATA_REFRESH_HOURS', { infer: true });
    this.overlapMs = config.get('SSO_METADATA_CERT_OVERLAP_DAYS', { infer: true }) * 86_400_000;
  }

  onApplicationBootstrap(): void {
    if (this.intervalHours === 0) return;
    this.jobs.every(
      this.intervalHours * 3_600_000,
      'SSO metadata refresh failed',
      () => this.refreshAll(),
      { runSoonAfterStart: true },
    );
  }

  async refreshAll(): Promise<void> {
    for (const connection of await this.connections.withMetadataUrl()) {
      await this.refresh(connection).catch((error: unknown) =>
        this.logger.warn(
          { err: error, connection_id: connection.id },
          'SSO metadata refresh failed',
        ),
      );
    }
  }

  /** Re-fetches one connection's metadata; null when the fetch or the metadata failed. */
  async refresh(connection: SsoConnection, now = new Date()): Promise<RefreshOutcome | null> {
    if (!connection.idpMetadataUrl) return null;
    let metadata;
    try {
      metadata = await parseIdpMetadata(await this.fetcher.fetch(connection.idpMetadataUrl));
      // The browser is sent there: held to the rules a connection's creation holds it to.
      if (metadata.ssoUrl.length > 2048 || !isIdpUrl(metadata.ssoUrl)) {
        throw new Error('the metadata names an SSO URL that is not https');
      }
    } catch (error) {
      this.audit.record(AUDIT_ACTIONS.ssoMetadataRefreshFailed, {
        organizationId: connection.organizationId,
        actor: { type: 'system', id: null },
        target: { type: 'sso_connection', id: connection.id },
        outcome: 'failure',
        metadata: { reason: error instanceof Error ? error.message : 'unknown' },
      });
      return null;
    }
    const { certificates, outcome } = merged(
      certificatesOf(connection),
      metadata.certificates,
      now,
      this.overlapMs,
    );
    // Only if nobody changed the connection while the fetch ran (a PATCH that replaced a
    // compromised certificate must not be undone by certificates read before it).
    const written = await this.connections.update(
      connection,
      {
        idpEntityId: metadata.entityId,
        idpSsoUrl: metadata.ssoUrl,
        idpCertificates: JSON.stringify(certificates),
        metadataFetchedAt: now,
        updatedAt: now,
      },
      undefined,
      connection.updatedAt,
    );
    if (!written) return null;
    if (outcome.added > 0 || outcome.dropped > 0) {
      this.audit.record(AUDIT_ACTIONS.ssoMetadataRefreshed, {
        organizationId: connection.organizationId,
        actor: { type: 'system', id: null },
        target: { type: 'sso_connection', id: connection.id },
        metadata: { certificates_added: outcome.added, certificates_dropped: outcome.dropped },
      });
    }
    return outcome;
  }
}

/** The stored certificates after a fetch that published `published` at `now`. */
export function merged(
  stored: IdpCertificate[],
  published: string[],
  now: Date,
  overlapMs: number,
): { certificates: IdpCertificate[]; outcome: RefreshOutcome } {
  const seen = now.toISOString();
  const kept: IdpCertificate[] = [];
  let dropped = 0;
  for (const certificate of stored) {
    if (published.includes(certificate.pem)) {
      kept.push({ ...certificate, lastPublishedAt: seen, unpublishedSince: null });
    } else if (!certificate.fromMetadata) {
      kept.push(certificate);
    } else {
      // This fetch is the first (or a later) one without it: the overlap runs from the first.
      const unpublished = {
        ...certificate,
        unpublishedSince: certificate.unpublishedSince ?? seen,
      };
      if (withinOverlap(unpublished, overlapMs, now.getTime())) kept.push(unpublished);
      else dropped++;
    }
  }
  const added = published.filter((pem) => !stored.some((c) => c.pem === pem));
  for (const pem of added) {
    kept.push({ pem, fromMetadata: true, lastPublishedAt: seen, unpublishedSince: null });
  }
  return { certificates: kept, outcome: { added: added.length, dropped } };
}
