/**
 * Mailbox providers anyone can get an address at: a connection claiming one would send every
 * user of that provider to one organization's IdP. Refused (the major ones; extend as needed).
 */
const CONSUMER_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'hotmail.co.uk',
  'live.com',
  'msn.com',
  'yahoo.com',
  'yahoo.co.uk',
  'ymail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'zoho.com',
  'qq.com',
  '163.com',
  'fastmail.com',
  'tutanota.com',
  'hey.com',
]);

/** A DNS name of at least two labels, each 1-63 letters, digits or inner hyphens (ASCII). */
const DOMAIN =
  /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

export function normalizedDomain(value: string): string {
  return value.trim().toLowerCase().replace(/\.$/, '');
}

export function isDomainName(value: string): boolean {
  return DOMAIN.test(normalizedDomain(value));
}

export function isConsumerDomain(domain: string): boolean {
  return CONSUMER_DOMAINS.has(normalizedDomain(domain));
}

/** The domain of an email address (lower case), or null when it is none. */
export function domainOfEmail(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return null;
  const domain = normalizedDomain(email.slice(at + 1));
  return isDomainName(domain) ? domain : null;
}
