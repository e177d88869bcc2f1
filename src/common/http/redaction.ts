/** Query parameters that carry credentials and must never reach a log line. */
const SECRET_QUERY_PARAMS =
  /([?&](?:api_key|access_token|token|refresh_token|client_secret|code)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAMS, '$1[REDACTED]');
}
