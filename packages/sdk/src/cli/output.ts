/**
 * How results are printed: `--format json` writes the API's objects as one JSON document;
 * `--format table` (the default) draws aligned columns with a bold header and colours on a
 * terminal, and plain tab-separated lines when stdout is a pipe or a file, for cut and awk.
 */
export type Format = 'table' | 'json';
export const FORMATS: readonly Format[] = ['table', 'json'];

export interface Column<T> {
  header: string;
  value(row: T): unknown;
}

export interface OutputStreams {
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

const ANSI = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33' } as const;
export type Style = keyof typeof ANSI;

export class Output {
  /** Whether stdout is a terminal: tables are drawn, colours used unless NO_COLOR is set. */
  readonly tty: boolean;
  readonly colour: boolean;

  constructor(private readonly streams: OutputStreams) {
    this.tty = isTty(streams.stdout);
    this.colour = this.tty && streams.env.NO_COLOR === undefined && streams.env.TERM !== 'dumb';
  }

  json(value: unknown): void {
    // JSON.stringify escapes C0 characters but leaves DEL, C1 and bidi overrides as they are.
    this.line(
      JSON.stringify(value, null, 2).replace(
        /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
        (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
      ),
    );
  }

  /** Rows under a header (`header` false: more rows of a table already started). */
  table<T>(rows: readonly T[], columns: readonly Column<T>[], header = true): void {
    const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
    const headers = columns.map((column) => column.header);
    if (!this.tty) {
      for (const line of header ? [headers, ...cells] : cells) this.line(line.join('\t'));
      return;
    }
    const widths = headers.map((title, i) =>
      Math.max(title.length, ...cells.map((row) => row[i].length)),
    );
    const pad = (line: string[]) =>
      line
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    if (header) this.line(this.style('bold', pad(headers)));
    for (const row of cells) this.line(pad(row));
  }

  /** One object as `field  value` lines (tab-separated when piped). */
  fields(entries: readonly [string, unknown][]): void {
    const width = Math.max(...entries.map(([name]) => name.length));
    for (const [name, value] of entries) {
      if (value === undefined) continue;
      this.line(
        this.tty
          ? `${this.style('bold', name.padEnd(width))}  ${cellText(value)}`
          : `${name}\t${cellText(value)}`,
      );
    }
  }

  /** A sentence for people (what was done); on stdout so scripts may ignore it with --format json. */
  line(text = ''): void {
    this.streams.stdout.write(`${text}\n`);
  }

  /** A notice that is not the result (a warning, a prompt's context): on stderr. */
  notice(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  style(style: Style, text: string): string {
    return this.colour ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text;
  }
}

/** A cell: lists joined with commas, absent values as a dash, objects as compact JSON. */
function cellText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) return value.length ? value.map(cellText).join(',') : '-';
  if (typeof value === 'object') return printable(JSON.stringify(value));
  return printable(String(value).replace(/[\t\r\n]+/g, ' '));
}

/**
 * Control characters and bidirectional overrides (C0, DEL, C1, U+202A-U+202E, U+2066-U+2069)
 * written as escapes (`\x1b`, `\u202e`). Names and details come from the server, where any member
 * who may name a key chooses them: written as they are, an escape sequence could rewrite or hide
 * lines of the table on an administrator's terminal, or set its clipboard.
 */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- the control characters are the point
    /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (character) => {
      const code = character.charCodeAt(0);
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    },
  );
}

export function isTty(stream: NodeJS.WritableStream | NodeJS.ReadableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}
