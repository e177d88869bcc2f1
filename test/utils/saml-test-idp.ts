import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import {
  makeSelfSignedKeyPair,
  SigningKeyPair,
} from '../../src/modules/sso/saml/self-signed-certificate';

/**
 * A SAML identity provider for the e2e tests: a key pair and self-signed certificate made in the
 * test, responses written as an IdP writes them and signed with xml-crypto (real RSA-SHA256
 * signatures, exclusive C14N), so the SP checks exactly what it checks in production. Every
 * field the SP checks can be set wrong on purpose.
 */
export const SAML_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const SAML_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

export interface ResponseOptions {
  /** The SP's ACS URL: the Response's Destination and the confirmation's Recipient. */
  destination: string;
  /** The SP entity ID: the assertion's Audience. */
  audience: string;
  /** The AuthnRequest answered; omitted for an IdP-initiated response. */
  inResponseTo?: string;
  nameId: string;
  attributes?: Record<string, string | string[]>;
  /** Validity window relative to now, in seconds (defaults: -60 .. +300). */
  notBeforeSeconds?: number;
  notOnOrAfterSeconds?: number;
  /** What is signed: the assertion (default), the whole response, both, or nothing. */
  sign?: 'assertion' | 'response' | 'both' | 'none';
  /** The key that signs (default: the IdP's own). */
  signer?: SigningKeyPair;
  assertionId?: string;
  /** The bearer confirmation's own NotBefore, relative to now in seconds (default: none). */
  confirmationNotBeforeSeconds?: number;
  /** Sign with RSA-SHA1 and a SHA-1 digest, as old IdPs did (default: RSA-SHA256). */
  sha1?: boolean;
}

export class SamlTestIdp {
  readonly keys: SigningKeyPair;

  constructor(
    readonly entityId = `https://idp.test/${randomBytes(6).toString('hex')}`,
    readonly ssoUrl = 'https://idp.test/sso',
  ) {
    this.keys = makeSelfSignedKeyPair('Tessera test IdP');
  }

  /** A certificate as an administrator pastes it: PEM. */
  get certificatePem(): string {
    return this.keys.certificatePem;
  }

  /** The certificate's base64 body, as metadata carries it. */
  get certificateBase64(): string {
    return certificateBody(this.keys.certificatePem);
  }

  /** IdP metadata as Okta or Azure publish it: entity ID, signing certificates, SSO endpoints. */
  metadataXml(certificates: string[] = [this.certificatePem]): string {
    const keys = certificates
      .map(
        (pem) =>
          `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
      )
      .join('');
    return (
      `<?xml version="1.0" encoding="UTF-8"?>` +
      `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${this.entityId}">` +
      `<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${SAML_PROTOCOL}">` +
      keys +
      `<md:NameIDFormat>${EMAIL_FORMAT}</md:NameIDFormat>` +
      `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${this.ssoUrl}/post"/>` +
      `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${this.ssoUrl}"/>` +
      `</md:IDPSSODescriptor></md:EntityDescriptor>`
    );
  }

  /** The response XML, signed as `options.sign` says. */
  responseXml(options: ResponseOptions): string {
    const now = Date.now();
    const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
    const notBefore = at(options.notBeforeSeconds ?? -60);
    const notOnOrAfter = at(options.notOnOrAfterSeconds ?? 300);
    const responseId = `_r${randomBytes(16).toString('hex')}`;
    const assertionId = options.assertionId ?? `_a${randomBytes(16).toString('hex')}`;
    const inResponseTo = options.inResponseTo ? ` InResponseTo="${options.inResponseTo}"` : '';
    const attributes = Object.entries(options.attributes ?? {})
      .map(([name, value]) => {
        const values = (Array.isArray(value) ? value : [value])
          .map((v) => `<saml:AttributeValue>${escapeXml(v)}</saml:AttributeValue>`)
          .join('');
        return `<saml:Attribute Name="${escapeXml(name)}">${values}</saml:Attribute>`;
      })
      .join('');
    const assertion =
      `<saml:Assertion xmlns:saml="${SAML_ASSERTION}" ID="${assertionId}" Version="2.0" IssueInstant="${at(0)}">` +
      `<saml:Issuer>${this.entityId}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="${EMAIL_FORMAT}">${options.nameId}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
      `<saml:SubjectConfirmationData${inResponseTo}${
        options.confirmationNotBeforeSeconds === undefined
          ? ''
          : ` NotBefore="${at(options.confirmationNotBeforeSeconds)}"`
      } NotOnOrAfter="${notOnOrAfter}" Recipient="${options.destination}"/>` +
      `</saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
      `<saml:AudienceRestriction><saml:Audience>${escapeXml(options.audience)}</saml:Audience></saml:AudienceRestriction>` +
      `</saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${at(0)}" SessionIndex="${assertionId}">` +
      `<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>` +
      `</saml:AuthnStatement>` +
      (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
      `</saml:Assertion>`;
    const sign = options.sign ?? 'assertion';
    const signer = options.signer ?? this.keys;
    const algorithms = options.sha1 ? SHA1_ALGORITHMS : SHA256_ALGORITHMS;
    const signedAssertion =
      sign === 'assertion' || sign === 'both'
        ? signElement(assertion, 'Assertion', signer, algorithms)
        : assertion;
    const response =
      `<samlp:Response xmlns:samlp="${SAML_PROTOCOL}" xmlns:saml="${SAML_ASSERTION}" ID="${responseId}" Version="2.0" IssueInstant="${at(0)}" Destination="${options.destination}"${inResponseTo}>` +
      `<saml:Issuer>${this.entityId}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      stripDeclaration(signedAssertion) +
      `</samlp:Response>`;
    return sign === 'response' || sign === 'both'
      ? signElement(response, 'Response', signer, algorithms)
      : response;
  }

  /** The form field an IdP posts: base64 of the response XML. */
  static encode(xml: string): string {
    return Buffer.from(xml, 'utf8').toString('base64');
  }
}

/** The AuthnRequest inside an HTTP-Redirect binding URL: its ID, ACS URL and issuer. */
export function readAuthnRequest(location: string): {
  id: string;
  xml: string;
  relayState: string | null;
} {
  const url = new URL(location);
  const encoded = url.searchParams.get('SAMLRequest');
  if (!encoded) throw new Error(`No SAMLRequest in ${location}`);
  const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
  const id = /\bID="([^"]+)"/.exec(xml)?.[1];
  if (!id) throw new Error(`No ID in ${xml}`);
  return { id, xml, relayState: url.searchParams.get('RelayState') };
}

export function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

const SHA256_ALGORITHMS = { signature: RSA_SHA256, digest: SHA256 };
const SHA1_ALGORITHMS = {
  signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  digest: 'http://www.w3.org/2000/09/xmldsig#sha1',
};

function signElement(
  xml: string,
  localName: string,
  signer: SigningKeyPair,
  algorithms = SHA256_ALGORITHMS,
): string {
  const signature = new SignedXml({
    privateKey: signer.privateKeyPem,
    publicCert: signer.certificatePem,
    signatureAlgorithm: algorithms.signature,
    canonicalizationAlgorithm: EXC_C14N,
  });
  const self = `/*[local-name(.)='${localName}']`;
  signature.addReference({
    xpath: self,
    digestAlgorithm: algorithms.digest,
    transforms: [ENVELOPED, EXC_C14N],
  });
  signature.computeSignature(xml, {
    location: { reference: `${self}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return signature.getSignedXml();
}

function stripDeclaration(xml: string): string {
  return xml.replace(/^<\?xml[^>]*\?>/, '');
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
