import { createInterface, Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError, EXIT } from './exit-codes';
import { isTty } from './output';

/**
 * Questions asked on stderr, answers read from stdin one line each: typed at a terminal (a
 * secret's echo is muted) or piped in by a script or a test, where every line may already be
 * waiting before the question is asked. One readline for the whole run, so no line is lost
 * between two questions.
 */
export class Prompter {
  private readonly lines: string[] = [];
  private readonly waiting: ((line: string | undefined) => void)[] = [];
  private closed = false;
  private muted = false;
  private reader?: Interface;

  constructor(
    private readonly stdin: NodeJS.ReadableStream = process.stdin,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** The next line of input; a secret is not echoed on a terminal. */
  async ask(question: string, options: { secret?: boolean } = {}): Promise<string> {
    const reader = this.start();
    this.stderr.write(question);
    this.muted = options.secret === true && this.terminal;
    const answer = await this.nextLine();
    if (this.muted) this.stderr.write('\n');
    this.muted = false;
    if (answer === undefined) {
      reader.close();
      throw new CliError(`no answer to "${question.trim()}" on standard input`, EXIT.usage);
    }
    return answer.trim();
  }

  /** A yes/no question; only `y` or `yes` is a yes. */
  async confirm(question: string): Promise<boolean> {
    return /^y(es)?$/i.test(await this.ask(`${question} [y/N] `));
  }

  get terminal(): boolean {
    return isTty(this.stdin as unknown as NodeJS.WritableStream);
  }

  close(): void {
    this.reader?.close();
  }

  private start(): Interface {
    if (this.reader) return this.reader;
    // Echo goes through this stream so that it can be muted while a secret is typed.
    const echo = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (!this.muted) this.stderr.write(chunk);
        done();
      },
    });
    this.reader = createInterface({ input: this.stdin, output: echo, terminal: this.terminal });
    this.reader.on('line', (line) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    this.reader.on('close', () => {
      this.closed = true;
      for (const waiter of this.waiting.splice(0)) waiter(undefined);
    });
    return this.reader;
  }

  private nextLine(): Promise<string | undefined> {
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
