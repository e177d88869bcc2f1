import { SsoRefusal } from './sso-refusal';

/**
 * What a SAML response may hold before any XML parser sees it. node-saml walks the document
 * with XPath several times, whose cost grows with the element count squared (16,000 empty
 * elements took seconds of CPU per request), and the ACS is public. A real response has a few
 * dozen elements (a few hundred with a long group list), rarely more than 10 levels deep.
 */
export const RESPONSE_LIMITS = {
  bytes: 48 * 1024,
  elements: 2000,
  attributesPerElement: 50,
  depth: 40,
};

/**
 * The ACS's body: the response in base64 (4/3 of its size) in a form, whose encoding of `+`,
 * `/` and `=` adds a little more, and a RelayState. A response with 150 groups and a
 * certificate (Entra ID's most) is about 20 KB.
 */
export const ACS_BODY_LIMIT_BYTES = 64 * 1024;

/** What the ACS needs from the response before verifying it. */
export interface ResponseShape {
  xml: string;
  /** The Response element's InResponseTo (unsigned unless the whole response is signed). */
  inResponseTo: string | null;
  /** The Response element's Destination, or null when it has none. */
  destination: string | null;
}

const NAME = /^<([^\s/>]+)/;
const ROOT_NAME = /^<(?:[A-Za-z_][\w.-]*:)?Response[\s/>]/;

/**
 * Decodes the SAMLResponse field and checks its shape in one linear pass over the text: within
 * the limits above (else `response_too_complex`), no DOCTYPE (entities are how XML parsers are
 * attacked; SAML never needs one), a Response root, tags that close in order (else `malformed_response`).
 */
export function checkResponseShape(samlResponse: string): ResponseShape {
  if (samlResponse.length > Math.ceil((RESPONSE_LIMITS.bytes * 4) / 3) + 4) {
    throw new SsoRefusal('response_too_complex');
  }
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  let elements = 0;
  const open: string[] = [];
  let root: string | null = null;
  let at = xml.indexOf('<');
  while (at !== -1) {
    const next = xml[at + 1];
    let end: number;
    if (next === '!') {
      if (xml.startsWith('<!--', at)) end = after(xml, '-->', at + 4);
      else if (xml.startsWith('<![CDATA[', at)) end = after(xml, ']]>', at + 9);
      else throw new SsoRefusal('malformed_response'); // <!DOCTYPE, <!ENTITY
    } else if (next === '?') {
      end = after(xml, '?>', at + 2);
    } else if (next === '/') {
      end = after(xml, '>', at + 2);
      if (open.pop() !== xml.slice(at + 2, end - 1).trim()) {
        throw new SsoRefusal('malformed_response');
      }
    } else {
      if (++elements > RESPONSE_LIMITS.elements) throw new SsoRefusal('response_too_complex');
      const tag = startTag(xml, at);
      end = tag.end;
      if (root === null) root = xml.slice(at, end);
      if (!tag.selfClosing) {
        open.push(NAME.exec(xml.slice(at, end))?.[1] ?? '');
        if (open.length > RESPONSE_LIMITS.depth) throw new SsoRefusal('response_too_complex');
      }
    }
    at = xml.indexOf('<', end);
  }
  if (root === null || open.length !== 0 || !ROOT_NAME.test(root)) {
    throw new SsoRefusal('malformed_response');
  }
  return {
    xml,
    inResponseTo: attributeOf(root, 'InResponseTo'),
    destination: attributeOf(root, 'Destination'),
  };
}

/** An unprefixed attribute of a start tag, as written (IDs and URLs need no entity decoding). */
function attributeOf(tag: string, name: string): string | null {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag);
  return match ? (match[1] ?? match[2]) : null;
}

/** The index after `token`, searched from `from`; an unterminated construct is malformed. */
function after(xml: string, token: string, from: number): number {
  const index = xml.indexOf(token, from);
  if (index === -1) throw new SsoRefusal('malformed_response');
  return index + token.length;
}

/** A start tag from `<` at `at`: where it ends, counting its attributes (quotes respected). */
function startTag(xml: string, at: number): { end: number; selfClosing: boolean } {
  let quote: string | null = null;
  let attributes = 0;
  for (let i = at + 1; i < xml.length; i++) {
    const char = xml[i];
    if (quote !== null) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '=') {
      if (++attributes > RESPONSE_LIMITS.attributesPerElement) {
        throw new SsoRefusal('response_too_complex');
      }
    } else if (char === '>') {
      return { end: i + 1, selfClosing: xml[i - 1] === '/' };
    } else if (char === '<') {
      break;
    }
  }
  throw new SsoRefusal('malformed_response');
}
