/**
 * The local SMTP peer for suite 4: accepts every mail and counts what it received. One process
 * serves several listeners of the same code (`start({ name })`), so the worker and the bare
 * peer send to the same sink implementation on the same process and are counted apart.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { serveParent } from '../lib/child.js';

const sinks = new Map<string, { server: SMTPServer; received: number }>();

function sink(name: string): { server: SMTPServer; received: number } {
  const entry = { server: undefined as unknown as SMTPServer, received: 0 };
  entry.server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        entry.received++;
        callback();
      });
    },
  });
  sinks.set(name, entry);
  return entry;
}

serveParent({
  async start(argument: { name?: string } | null) {
    const { server } = sink(argument?.name ?? 'pipeline');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}` };
  },
  count: (argument: { name?: string } | null) => sinks.get(argument?.name ?? 'pipeline')?.received ?? 0,
  close: () =>
    Promise.all(
      [...sinks.values()].map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))),
    ),
});
