// How many RSA-2048 (RS256) signatures one core makes per second with node:crypto alone: the
// ceiling of any token endpoint that signs its tokens with such a key. Run as a child process on
// the servers' core (`node dist/bench/rsa-signs.js <seconds>`), it prints the rate.
import { generateKeyPairSync, sign } from 'node:crypto';

const seconds = Number(process.argv[2] ?? '2');
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
// About the size of a token's signing input (header and claims, base64url).
const input = Buffer.alloc(420, 'a');
for (let i = 0; i < 50; i++) sign('sha256', input, privateKey); // warm-up
const started = process.hrtime.bigint();
const deadline = started + BigInt(Math.round(seconds * 1e9));
let signatures = 0;
while (process.hrtime.bigint() < deadline) {
  sign('sha256', input, privateKey);
  signatures += 1;
}
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(String(signatures / elapsed));
