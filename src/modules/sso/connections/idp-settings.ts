import { Injectable } from '@nestjs/common';
import type { IdpSettingsDto } from './dto/create-sso-connection.dto';
import { certificatePem, InvalidIdpMetadata, parseIdpMetadata } from '../metadata/idp-metadata';
import { MetadataFetchRefused, MetadataUrlFetcher } from '../metadata/metadata-url-fetcher';
import { invalid, isIdpUrl } from './sso-connection-rules';
import type { IdpCertificate } from './sso-connection.entity';

/** The IdP side of a connection, as stored. */
export interface IdpSettings {
  idpEntityId: string;
  idpSsoUrl: string;
  idpCertificates: IdpCertificate[];
  idpMetadataUrl: string | null;
  metadataFetchedAt: Date | null;
}

const WAYS =
  'idp_metadata_xml, idp_metadata_url, or idp_entity_id with idp_sso_url and idp_certificate';

/**
 * What the IdP is, from exactly one of the three ways a request may say it: its metadata, the
 * URL of its metadata (fetched now), or entity ID + SSO URL + certificate. Anything unusable is
 * a 422 at the field that carried it, naming the reason.
 */
@Injectable()
export class IdpSettingsReader {
  constructor(private readonly fetcher: MetadataUrlFetcher) {}

  /** null when the request names no IdP settings (a PATCH that changes other things). */
  async read(dto: IdpSettingsDto): Promise<IdpSettings | null> {
    const manual = [dto.idp_entity_id, dto.idp_sso_url, dto.idp_certificate];
    const ways = [
      dto.idp_metadata_xml !== undefined,
      dto.idp_metadata_url !== undefined,
      manual.some((field) => field !== undefined),
    ].filter(Boolean).length;
    if (ways === 0) return null;
    if (ways > 1) invalid([], `give the IdP one way: ${WAYS}`, 'value_error.idp_settings');

    if (dto.idp_metadata_xml !== undefined) {
      return this.fromMetadata(dto.idp_metadata_xml, 'idp_metadata_xml', null);
    }
    if (dto.idp_metadata_url !== undefined) {
      const xml = await this.fetch(dto.idp_metadata_url);
      return this.fromMetadata(xml, 'idp_metadata_url', dto.idp_metadata_url);
    }
    const [entityId, ssoUrl, certificate] = manual;
    if (!entityId || !ssoUrl || !certificate) {
      invalid(
        [],
        `idp_entity_id, idp_sso_url and idp_certificate go together`,
        'value_error.idp_settings',
      );
    }
    return {
      idpEntityId: entityId,
      idpSsoUrl: this.ssoUrl(ssoUrl, 'idp_sso_url'),
      idpCertificates: [
        {
          pem: this.certificate(certificate, 'idp_certificate'),
          fromMetadata: false,
          lastPublishedAt: null,
        },
      ],
      idpMetadataUrl: null,
      metadataFetchedAt: null,
    };
  }

  /** The metadata at `url`, or a 422 naming why it could not be had. */
  async fetch(url: string): Promise<string> {
    try {
      return await this.fetcher.fetch(url);
    } catch (error) {
      if (error instanceof MetadataFetchRefused) {
        invalid(['idp_metadata_url'], error.message, 'value_error.metadata_url');
      }
      throw error;
    }
  }

  private async fromMetadata(xml: string, field: string, url: string | null): Promise<IdpSettings> {
    let metadata;
    try {
      metadata = await parseIdpMetadata(xml);
    } catch (error) {
      if (error instanceof InvalidIdpMetadata)
        invalid([field], error.message, 'value_error.metadata');
      throw error;
    }
    const now = new Date();
    return {
      idpEntityId: metadata.entityId,
      idpSsoUrl: this.ssoUrl(metadata.ssoUrl, field),
      idpCertificates: metadata.certificates.map((pem) => ({
        pem,
        fromMetadata: url !== null,
        lastPublishedAt: url !== null ? now.toISOString() : null,
      })),
      idpMetadataUrl: url,
      metadataFetchedAt: url !== null ? now : null,
    };
  }

  private ssoUrl(value: string, field: string): string {
    if (value.length > 2048 || !isIdpUrl(value)) {
      invalid([field], 'the IdP SSO URL must be an https URL (http only on a loopback host)');
    }
    return value;
  }

  private certificate(value: string, field: string): string {
    try {
      return certificatePem(value);
    } catch (error) {
      if (error instanceof InvalidIdpMetadata)
        invalid([field], error.message, 'value_error.certificate');
      throw error;
    }
  }
}
