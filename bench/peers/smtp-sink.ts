/** The local SMTP peer for suite 4: accepts every mail and counts what it received. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { serveParent } from '../lib/child.js';

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});

serveParent({
  async start() {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}` };
  },
  count: () => received,
  close: () => new Promise<void>((resolve) => server.close(() => resolve())),
});
