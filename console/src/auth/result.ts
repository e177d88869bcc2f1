/**
 * The body of a successful call. The console's client throws TesseraError on every refusal, so a
 * missing body on success means a route answered nothing where it promised something.
 */
export function dataOf<T>(result: { data?: T }): T {
  if (result.data === undefined) throw new Error('Tessera answered without a body');
  return result.data;
}
