import { writeSync } from 'node:fs';
import pino, { DestinationStream } from 'pino';

/** Bytes a chunk holds before lines go to a new one; a line longer than that goes alone. */
const CHUNK_BYTES = 64 * 1024;
/** The most bytes a string of n UTF-16 code units can take in UTF-8. */
const MAX_UTF8_BYTES_PER_UNIT = 3;

/** sonic-boom in buffer mode (pino's types know only its string mode). */
interface BufferDestination {
  write(data: Buffer): boolean;
  flushSync(): void;
}

/**
 * stdout for log lines: the lines of one turn of the event loop copied into a preallocated
 * buffer, handed to pino's asynchronous destination (sonic-boom) as one Buffer at the end of
 * the turn, which writes them out in 32 KB+ batches (and every second on a quiet instance).
 * sonic-boom's own string mode measured ~3-4 us per line: each write takes the byte length of
 * the whole unwritten string (up to 16 KB), which a busy server's request lines paid for one by
 * one (docs/performance.md, issue #19). Here a line costs one UTF-8 copy.
 *
 * The batches are large because each asynchronous write is a hop to libuv's thread pool and
 * back: at 4 KB batches that hop took ~9% of a pinned server's core under verify load at
 * LOG_LEVEL=info, at 32 KB under 2% (CPU profiles, docs/performance.md, session 11).
 */
export class StdoutDestination implements DestinationStream {
  private chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  /** Bytes of `chunk` written; those from `handedOver` on are not yet sonic-boom's. */
  private used = 0;
  private handedOver = 0;
  private handOverScheduled = false;
  private readonly boom: BufferDestination;

  constructor(fd = 1) {
    // Registered before sonic-boom's own exit flush: lines of the last turn go out first.
    process.once('exit', () => this.flushAtExit(fd));
    this.boom = pino.destination({
      dest: fd,
      sync: false,
      minLength: 32 * 1024,
      maxWrite: 64 * 1024,
      periodicFlush: 1000,
      contentMode: 'buffer',
    }) as unknown as BufferDestination;
  }

  write(line: string): void {
    const mostBytes = line.length * MAX_UTF8_BYTES_PER_UNIT;
    if (mostBytes > CHUNK_BYTES - this.used) {
      this.handOver();
      if (mostBytes > CHUNK_BYTES) {
        this.boom.write(Buffer.from(line, 'utf8'));
        return;
      }
      this.chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
      this.used = this.handedOver = 0;
    }
    this.used += this.chunk.write(line, this.used, 'utf8');
    if (!this.handOverScheduled) {
      this.handOverScheduled = true;
      setImmediate(this.handOverNow);
    }
  }

  private readonly handOverNow = (): void => {
    this.handOverScheduled = false;
    this.handOver();
  };

  /** sonic-boom keeps the slice until written; this buffer never writes over it again. */
  private handOver(): void {
    if (this.used === this.handedOver) return;
    this.boom.write(this.chunk.subarray(this.handedOver, this.used));
    this.handedOver = this.used;
  }

  private flushAtExit(fd: number): void {
    const pending = this.chunk.subarray(this.handedOver, this.used);
    this.handedOver = this.used;
    if (pending.length > 0) {
      try {
        this.boom.write(pending);
      } catch {
        // sonic-boom already ended (its exit hook ran first): the last lines go straight out.
        writeSync(fd, pending);
        return;
      }
    }
    try {
      this.boom.flushSync();
    } catch {
      // Mid-write: sonic-boom's own exit hook flushes what it holds.
    }
  }
}
