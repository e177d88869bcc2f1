import { isTty } from './output';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Calls quicker than this show nothing: a spinner that flashes for 50 ms is noise. */
const SHOW_AFTER_MS = 300;
const FRAME_MS = 80;

/**
 * Runs `work` with a spinner on stderr while it takes longer than SHOW_AFTER_MS, only when stderr
 * is a terminal (never in a pipe, a log file or CI); the line is erased when the work ends.
 */
export async function withSpinner<T>(
  label: string,
  work: () => Promise<T>,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<T> {
  if (!isTty(stderr)) return work();
  let frame = 0;
  let shown = false;
  let ticker: NodeJS.Timeout | undefined;
  const draw = () => {
    shown = true;
    stderr.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label}`);
  };
  const delay = setTimeout(() => {
    draw();
    ticker = setInterval(draw, FRAME_MS);
  }, SHOW_AFTER_MS);
  try {
    return await work();
  } finally {
    clearTimeout(delay);
    if (ticker) clearInterval(ticker);
    if (shown) stderr.write('\r\u001b[2K');
  }
}
