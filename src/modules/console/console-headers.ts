/**
 * The console page's Content-Security-Policy: scripts, styles, images and API calls from
 * Tessera's own origin only, no inline script or style, no plugin, no frame, no form posting
 * elsewhere. (The QR code of MFA enrolment is SVG drawn in the page, never an image from afar.)
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
  "base-uri 'none'; object-src 'none'";

/** index.html is checked each time (a deployment changes which hashed files it names). */
export const INDEX_CACHE_CONTROL = 'no-cache';
/** Hashed file names: a new version is a new URL. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
