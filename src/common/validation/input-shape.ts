import type { ValidationIssue } from '../errors/api-errors';

/** Containers (objects, arrays) a request value may nest, itself included. Tessera's DTOs use two. */
export const MAX_INPUT_DEPTH = 32;
/**
 * Values (list entries, field values) one request may carry. The largest body a route takes holds
 * about 300 (an API key with 100 scopes, 100 permissions and 100 addresses).
 */
export const MAX_INPUT_VALUES = 10_000;
/** A few bad strings are enough to answer; a body full of them must not make a huge answer. */
const MAX_REPORTED = 20;

type Path = (string | number)[];

interface Walk {
  issues: ValidationIssue[];
  values: number;
  /** Set once the input is refused as a whole (too deep, too many values): the walk ends. */
  refused: boolean;
}

/**
 * What every client value must be before any DTO sees it, checked in one walk of the parsed input:
 * - nested at most MAX_INPUT_DEPTH deep: class-transformer and class-validator recurse without a
 *   limit, and a body 2,000 arrays deep overflows their stack;
 * - at most MAX_INPUT_VALUES values: class-transformer copies each (about 7 µs a value), so a
 *   10 MB list of zeros would hold the event loop for half a minute;
 * - text that is valid Unicode: JSON's `\ud800` escape gives a string with a lone UTF-16
 *   surrogate, which no UTF-8 database column or strict JSON reader (the audit export) accepts.
 * The walk stops at either limit, so its own cost and stack stay bounded. `loc` is relative to the
 * input (the pipe prefixes `body`, `query` or `path`).
 */
export function inputShapeIssues(value: unknown): ValidationIssue[] {
  // The common case, a path parameter or an unset body, costs one check.
  if (typeof value === 'string') return isWellFormed(value) ? [] : [loneSurrogate([])];
  if (value === null || typeof value !== 'object') return [];
  const walk: Walk = { issues: [], values: 0, refused: false };
  visit(value, [], 1, walk);
  return walk.issues;
}

function visit(container: object, path: Path, depth: number, walk: Walk): void {
  if (depth > MAX_INPUT_DEPTH) {
    refuse(walk, path, `value is nested more than ${MAX_INPUT_DEPTH} levels deep`, 'nesting');
    return;
  }
  if (Array.isArray(container)) {
    for (let index = 0; index < container.length && !done(walk); index++) {
      visitItem(container[index], path, index, depth, walk);
    }
    return;
  }
  const record = container as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (done(walk)) return;
    if (!isWellFormed(key)) {
      // Reported at the object: the name itself is not valid text to echo back.
      walk.issues.push({ ...loneSurrogate([...path]), msg: 'field names must be valid Unicode' });
    } else {
      visitItem(record[key], path, key, depth, walk);
    }
  }
}

function visitItem(item: unknown, path: Path, key: string | number, depth: number, walk: Walk) {
  if (++walk.values > MAX_INPUT_VALUES) {
    refuse(walk, [...path, key], `input holds more than ${MAX_INPUT_VALUES} values`, 'input_size');
  } else if (typeof item === 'string') {
    if (!isWellFormed(item)) walk.issues.push(loneSurrogate([...path, key]));
  } else if (item !== null && typeof item === 'object') {
    path.push(key);
    visit(item, path, depth + 1, walk);
    path.pop();
  }
}

/** The one issue of an input refused as a whole, at the top-level field that holds the excess. */
function refuse(walk: Walk, path: Path, msg: string, type: string): void {
  walk.refused = true;
  walk.issues = [{ loc: path.slice(0, 1), msg, type: `value_error.${type}` }];
}

const done = (walk: Walk): boolean => walk.refused || walk.issues.length >= MAX_REPORTED;

function loneSurrogate(loc: Path): ValidationIssue {
  return {
    loc,
    msg: 'string is not valid Unicode (it contains a lone UTF-16 surrogate)',
    type: 'value_error.str.surrogate',
  };
}

/** Node 20's native `String.prototype.isWellFormed`, which TypeScript's ES2022 lib does not list. */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
