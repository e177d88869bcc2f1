// The physical limit: the cheapest HTTP/1.1 JSON answer Node can give on this machine. Run as a
// child process (see processes.ts) so it never shares an event loop with the load generator.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// About the size of a /v1/health answer, so the bytes on the wire are comparable.
const BODY = Buffer.from(JSON.stringify({ status: 'ok', database: 'up', redis: 'disabled' }));
const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': BODY.length,
};

const server = createServer((_request, response) => {
  response.writeHead(200, HEADERS);
  response.end(BODY);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ port });
});

// The parent is gone (even killed with SIGKILL): do not linger.
process.on('disconnect', () => process.exit(0));
