/**
 * A Lua script's answer as the flat list of `length` integers it should be; anything else (a
 * changed script, a proxy in the way) is an error naming `what`, with the start of the answer.
 */
export function scriptNumbers(answer: unknown, length: number, what: string): number[] {
  if (
    !Array.isArray(answer) ||
    answer.length !== length ||
    answer.some((n) => typeof n !== 'number')
  ) {
    throw new TypeError(
      `Unexpected ${what} result: ${String(JSON.stringify(answer)).slice(0, 200)}`,
    );
  }
  return answer as number[];
}
