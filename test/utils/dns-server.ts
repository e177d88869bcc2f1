import { createSocket, RemoteInfo, Socket } from 'node:dgram';

const TXT = 16;
const NXDOMAIN = 3;

/**
 * A DNS server for tests, on 127.0.0.1 over UDP: answers TXT questions from `records` (name ->
 * values, changed by the test as it goes), NXDOMAIN for other names. Enough of RFC 1035 for a
 * stub resolver (node:dns's c-ares) to ask it: one question per query, no compression but the
 * answer's pointer to the question's name.
 */
export class TestDnsServer {
  readonly records = new Map<string, string[]>();
  private socket: Socket | null = null;
  port = 0;

  async start(): Promise<string> {
    const socket = createSocket('udp4');
    socket.on('message', (query, from) => this.answer(socket, query, from));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    this.socket = socket;
    this.port = socket.address().port;
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.socket ? this.socket.close(() => resolve()) : resolve(),
    );
  }

  private answer(socket: Socket, query: Buffer, from: RemoteInfo): void {
    let at = 12;
    const labels: string[] = [];
    while (query[at] !== 0) {
      labels.push(query.subarray(at + 1, at + 1 + query[at]).toString('ascii'));
      at += query[at] + 1;
    }
    const questionEnd = at + 5; // the root label, QTYPE, QCLASS
    const type = query.readUInt16BE(at + 1);
    const values = this.records.get(labels.join('.').toLowerCase());
    const answers = type === TXT && values ? values.map(txtRecord) : [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // the query's ID
    header.writeUInt16BE(0x8180 | (values ? 0 : NXDOMAIN), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(
      Buffer.concat([header, query.subarray(12, questionEnd), ...answers]),
      from.port,
      from.address,
    );
  }
}

/** One TXT answer for the question's name (a pointer to offset 12), TTL 0. */
function txtRecord(value: string): Buffer {
  const text = Buffer.from(value, 'utf8');
  const strings: Buffer[] = [];
  for (let i = 0; i < text.length || i === 0; i += 255) {
    const chunk = text.subarray(i, i + 255);
    strings.push(Buffer.from([chunk.length]), chunk);
  }
  const data = Buffer.concat(strings);
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0);
  fixed.writeUInt16BE(TXT, 2);
  fixed.writeUInt16BE(1, 4); // IN
  fixed.writeUInt32BE(0, 6);
  fixed.writeUInt16BE(data.length, 10);
  return Buffer.concat([fixed, data]);
}
