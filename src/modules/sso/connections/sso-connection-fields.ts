import { X509Certificate } from 'node:crypto';
import type { SsoRole } from './dto/fields';
import type { AttributeMapping } from './provider-presets';
import type { IdpCertificate, SsoConnection } from './sso-connection.entity';

/** The JSON columns of a connection, read. Written only by this module, so trusted in shape. */
export const certificatesOf = (c: Pick<SsoConnection, 'idpCertificates'>): IdpCertificate[] =>
  JSON.parse(c.idpCertificates) as IdpCertificate[];
export const domainsOf = (c: Pick<SsoConnection, 'domains'>): string[] =>
  JSON.parse(c.domains) as string[];
export const attributeMappingOf = (c: Pick<SsoConnection, 'attributeMapping'>): AttributeMapping =>
  JSON.parse(c.attributeMapping) as AttributeMapping;
export const groupRoleMappingOf = (
  c: Pick<SsoConnection, 'groupRoleMapping'>,
): Record<string, SsoRole> => JSON.parse(c.groupRoleMapping) as Record<string, SsoRole>;
export const redirectUrlsOf = (c: Pick<SsoConnection, 'redirectUrls'>): string[] =>
  JSON.parse(c.redirectUrls) as string[];

/**
 * The certificates a signature may be checked against now: every one given by hand or still
 * published, and those a successful fetch stopped publishing less than the overlap ago.
 */
export function trustedCertificates(
  connection: Pick<SsoConnection, 'idpCertificates'>,
  overlapMs: number,
  now = Date.now(),
): string[] {
  return certificatesOf(connection)
    .filter((c) => withinOverlap(c, overlapMs, now))
    .map((c) => c.pem);
}

/** Trusted still: by hand, published, or unpublished for less than the overlap. */
export function withinOverlap(
  certificate: IdpCertificate,
  overlapMs: number,
  now: number,
): boolean {
  if (!certificate.fromMetadata || !certificate.unpublishedSince) return true;
  return now - Date.parse(certificate.unpublishedSince) < overlapMs;
}

export function certificateNotAfter(pem: string): string {
  return new Date(new X509Certificate(pem).validTo).toISOString();
}

/** The public URLs of a connection's SP side, under the issuer (TESSERA_ISSUER). */
export interface SpUrls {
  entityId: string;
  acsUrl: string;
  metadataUrl: string;
  loginUrl: string;
}

export function spUrlsOf(issuer: string, connectionId: string): SpUrls {
  const base = `${issuer.replace(/\/+$/, '')}/sso/${connectionId}`;
  return {
    entityId: `${base}/metadata`,
    acsUrl: `${base}/acs`,
    metadataUrl: `${base}/metadata`,
    loginUrl: `${base}/login`,
  };
}
