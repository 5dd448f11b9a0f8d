// The bench's TLS front for Berth, in its own process (as an ingress would be, not sharing the bench's
// event loop): raw TCP from a TLS listener to Berth's plain-http port.
//   node --import tsx/esm bench/tls-front.ts <listen port> <berth port> <key file> <cert file>
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createServer } from 'node:tls';

const [listen, target, key, cert] = process.argv.slice(2);
const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (s: Socket) => {
  const up = connect(Number(target), '127.0.0.1');
  up.setNoDelay(true);
  s.setNoDelay(true);
  s.pipe(up);
  up.pipe(s);
  s.on('error', () => up.destroy());
  up.on('error', () => s.destroy());
  s.on('close', () => up.destroy());
  up.on('close', () => s.destroy());
});
server.listen(Number(listen), '127.0.0.1', () => process.stdout.write('ready\n'));
