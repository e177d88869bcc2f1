import type { Element } from '@xmldom/xmldom';
import { X509Certificate } from 'node:crypto';
import { charCount } from '../../../common/validation/max-chars';
import { loadXmlDom } from '../saml-libraries';

const METADATA_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
/** IdPs publish one or two (during a rotation); the stored list stays far below a TEXT column. */
export const MAX_CERTIFICATES = 5;
/** The entity ID's column; as long as one given by hand (idp_entity_id) may be. */
export const MAX_ENTITY_ID_CHARS = 1024;
/** A certificate's base64: a 4096-bit RSA certificate is about 2,000 characters. */
const MAX_CERTIFICATE_BASE64 = 8192;

/** What a connection takes from an IdP's metadata. */
export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  /** Signing certificates, PEM, in the order published. */
  certificates: string[];
}

/** Metadata that cannot be used, with the reason in words (answered as a 422). */
export class InvalidIdpMetadata extends Error {}

/**
 * Reads IdP metadata (SAML 2.0 metadata, an EntityDescriptor or the first IdP of an
 * EntitiesDescriptor): the entity ID, the SingleSignOnService location (HTTP-Redirect, which
 * AuthnRequests are sent with, else HTTP-POST) and the signing certificates (KeyDescriptors
 * with use="signing" or no use). A DOCTYPE is refused outright: metadata needs none, and
 * entities are how XML parsers are attacked.
 */
export async function parseIdpMetadata(xml: string): Promise<IdpMetadata> {
  if (/<!DOCTYPE/i.test(xml)) throw new InvalidIdpMetadata('metadata must not contain a DOCTYPE');
  const { DOMParser } = await loadXmlDom();
  let document;
  try {
    document = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning')
          throw new InvalidIdpMetadata(`metadata is not valid XML: ${message}`);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (error) {
    if (error instanceof InvalidIdpMetadata) throw error;
    throw new InvalidIdpMetadata('metadata is not valid XML');
  }
  const descriptors = Array.from(document.getElementsByTagNameNS(METADATA_NS, 'EntityDescriptor'));
  const entity = descriptors.find((d) => idpDescriptorOf(d) !== null);
  const idp = entity ? idpDescriptorOf(entity) : null;
  if (!entity || !idp) {
    throw new InvalidIdpMetadata('metadata has no EntityDescriptor with an IDPSSODescriptor');
  }
  const entityId = entity.getAttribute('entityID')?.trim();
  if (!entityId) throw new InvalidIdpMetadata('metadata has no entityID');
  // Refused, not cut: a shortened entity ID would never match the issuer of the IdP's responses.
  if (charCount(entityId) > MAX_ENTITY_ID_CHARS) {
    throw new InvalidIdpMetadata(`the entityID is longer than ${MAX_ENTITY_ID_CHARS} characters`);
  }

  const services = children(idp, 'SingleSignOnService');
  const location = (binding: string) =>
    services
      .find((s) => s.getAttribute('Binding') === binding)
      ?.getAttribute('Location')
      ?.trim();
  const ssoUrl = location(REDIRECT_BINDING) ?? location(POST_BINDING);
  if (!ssoUrl) {
    throw new InvalidIdpMetadata(
      'metadata has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding',
    );
  }

  const certificates = children(idp, 'KeyDescriptor')
    .filter((key) => (key.getAttribute('use') ?? 'signing') === 'signing')
    .flatMap((key) => Array.from(key.getElementsByTagNameNS(DSIG_NS, 'X509Certificate')))
    .map((node) => certificatePem(node.textContent ?? ''));
  if (certificates.length === 0) {
    throw new InvalidIdpMetadata(
      'metadata has no signing certificate (KeyDescriptor use="signing")',
    );
  }
  const unique = [...new Set(certificates)];
  if (unique.length > MAX_CERTIFICATES) {
    throw new InvalidIdpMetadata(`metadata has more than ${MAX_CERTIFICATES} signing certificates`);
  }
  return { entityId, ssoUrl, certificates: unique };
}

/**
 * A certificate as PEM, from PEM or the bare base64 that metadata holds; checked to be one
 * X.509 certificate with an RSA or EC public key.
 */
export function certificatePem(text: string): string {
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (body.length > MAX_CERTIFICATE_BASE64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new InvalidIdpMetadata('the certificate is not PEM or base64');
  }
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  try {
    const type = new X509Certificate(pem).publicKey.asymmetricKeyType;
    if (type !== 'rsa' && type !== 'ec') throw new Error(type);
  } catch {
    throw new InvalidIdpMetadata('the certificate is not a valid X.509 certificate (RSA or EC)');
  }
  return pem;
}

function idpDescriptorOf(entity: Element): Element | null {
  return children(entity, 'IDPSSODescriptor')[0] ?? null;
}

function children(parent: Element, localName: string): Element[] {
  return Array.from(parent.childNodes).filter(
    (node): node is Element =>
      node.nodeType === 1 &&
      (node as Element).localName === localName &&
      (node as Element).namespaceURI === METADATA_NS,
  );
}
