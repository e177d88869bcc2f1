import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { SAML, SamlConfig } from '@node-saml/node-saml';
import { MasterKeyService } from '../../../common/crypto/master-key';
import { EnvironmentVariables } from '../../../config/env.schema';
import { acceptedAudiences } from '../connections/provider-presets';
import { SpUrls, spUrlsOf, trustedCertificates } from '../connections/sso-connection-fields';
import type { SsoConnection } from '../connections/sso-connection.entity';
import { loadNodeSaml } from '../saml-libraries';
import { SsoRefusal } from './sso-refusal';

/** How far the IdP's clock may be from ours: two minutes, as most SPs allow. */
export const CLOCK_SKEW_MS = 2 * 60_000;
const EMAIL_NAME_ID = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/** One connection's service provider: node-saml configured for it, and its public URLs. */
export interface ServiceProvider {
  saml: SAML;
  urls: SpUrls;
  /** The audiences an assertion may name (node-saml checks one; Azure AD's spn: form is ours). */
  audiences: string[];
}

/**
 * node-saml's SAML, configured per connection from its row: MultiSamlStrategy's idea (options
 * looked up per request by the connection in the path) without passport-saml's strategy, which
 * is written for Express's req/res and passport's session: on Fastify its redirect and error
 * paths would need an adapter for every branch, while the SAML class is plain promises. The
 * object is made per request (a few property copies), so a changed connection applies at once.
 */
@Injectable()
export class SamlServiceProviders {
  private readonly issuer: string;
  private readonly overlapMs: number;

  constructor(
    private readonly masterKey: MasterKeyService,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.issuer = config.get('TESSERA_ISSUER', { infer: true });
    this.overlapMs = config.get('SSO_METADATA_CERT_OVERLAP_DAYS', { infer: true }) * 86_400_000;
  }

  /** `requestId`: the ID the AuthnRequest it makes gets (pending-authn-requests.ts). */
  async of(connection: SsoConnection, requestId?: string): Promise<ServiceProvider> {
    const urls = spUrlsOf(this.issuer, connection.id);
    const certificates = trustedCertificates(connection, this.overlapMs);
    // Fail closed: with no certificate, nothing could be verified.
    if (certificates.length === 0) throw new SsoRefusal('no_certificate');
    const audiences = acceptedAudiences(connection.provider, urls.entityId);
    const { SAML, ValidateInResponseTo } = await loadNodeSaml();
    const signing = connection.spSigningKeyEncrypted
      ? {
          privateKey: this.masterKey.decrypt(connection.spSigningKeyEncrypted),
          publicCert: connection.spSigningCertificate ?? undefined,
          signatureAlgorithm: 'sha256' as const,
        }
      : {};
    const options: SamlConfig = {
      entryPoint: connection.idpSsoUrl,
      issuer: urls.entityId,
      callbackUrl: urls.acsUrl,
      idpCert: certificates,
      idpIssuer: connection.idpEntityId,
      // node-saml checks a single audience; with several accepted forms the ACS checks them.
      audience: audiences.length === 1 ? audiences[0] : false,
      // A valid signature over the assertion or over the whole response (node-saml then checks
      // the response's): either way the data used is the signed data.
      wantAssertionsSigned: false,
      wantAuthnResponseSigned: false,
      // The ACS matches InResponseTo itself, from the signed assertion (sso-sign-in.ts).
      validateInResponseTo: ValidateInResponseTo.never,
      ...(requestId ? { generateUniqueId: () => requestId } : {}),
      acceptedClockSkewMs: CLOCK_SKEW_MS,
      identifierFormat: EMAIL_NAME_ID,
      // IdPs that signed the person in with MFA or a certificate refuse "password" (Entra ID).
      disableRequestedAuthnContext: true,
      ...signing,
    };
    return { saml: new SAML(options), urls, audiences };
  }

  /** SP metadata XML: entity ID, the HTTP-POST ACS, NameID format, WantAssertionsSigned. */
  async metadataOf(connection: SsoConnection): Promise<string> {
    const urls = spUrlsOf(this.issuer, connection.id);
    const { SAML } = await loadNodeSaml();
    const saml = new SAML({
      issuer: urls.entityId,
      callbackUrl: urls.acsUrl,
      // Not used for metadata; the SAML class requires one.
      idpCert: 'unused',
      identifierFormat: EMAIL_NAME_ID,
      wantAssertionsSigned: true,
      ...(connection.spSigningKeyEncrypted
        ? {
            privateKey: this.masterKey.decrypt(connection.spSigningKeyEncrypted),
            signatureAlgorithm: 'sha256' as const,
          }
        : {}),
    });
    return saml.generateServiceProviderMetadata(
      null,
      connection.spSigningCertificate ? [connection.spSigningCertificate] : null,
    );
  }
}
