import type * as NodeSaml from '@node-saml/node-saml';
import type * as XmlDom from '@xmldom/xmldom';

/**
 * node-saml and the XML stack under it (xml-crypto, xml-encryption, xml2js, xmlbuilder, xpath,
 * xmldom) are loaded at the first use of SSO instead of at start: their code and its source are
 * ~4.7 MB of heap that an instance without SSO connections never needs (issue #19,
 * docs/performance.md "Session 12: memory"). The first SSO request after a start pays the load
 * (tens of milliseconds), once.
 */
let nodeSaml: typeof NodeSaml | undefined;

export async function loadNodeSaml(): Promise<typeof NodeSaml> {
  nodeSaml ??= await import('@node-saml/node-saml');
  return nodeSaml;
}

/** xmldom alone, for IdP metadata (node-saml brings it too). */
export function loadXmlDom(): Promise<typeof XmlDom> {
  return import('@xmldom/xmldom');
}

/** The IdP answered with an error status (node-saml's SamlStatusError; none before it loads). */
export function isSamlStatusError(error: unknown): boolean {
  return nodeSaml !== undefined && error instanceof nodeSaml.SamlStatusError;
}
