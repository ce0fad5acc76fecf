/**
 * The worker's SMTP pool against real SMTP servers on free ports: what a relay refuses fails that
 * mail and keeps the connection; an unreachable relay fails fast instead of hanging; a connection
 * the relay dropped is replaced without losing the mail; credentials in SMTP_URL are used; an
 * internationalised domain goes out as punycode.
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { classifySmtpError } from '../src/channels/email.js';
import { envelopeAddress, SmtpPool, type SmtpPoolOptions } from '../src/channels/smtp-pool.js';

const raw = (subject: string) =>
  Buffer.from(`From: a@happening.test\r\nTo: b@example.test\r\nSubject: ${subject}\r\n\r\nHello.\r\n`);

interface Relay {
  port: number;
  mails: { to: string[]; body: string }[];
  connections: number;
  close: () => Promise<void>;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function relay(options: Partial<SMTPServerOptions> = {}): Promise<Relay> {
  const state: Relay = { port: 0, mails: [], connections: 0, close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      state.connections++;
      callback();
    },
    onData(stream, session, callback) {
      let body = '';
      stream.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      stream.on('end', () => {
        state.mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), body });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  closers.push(state.close);
  return state;
}

/** The error a send failed with (the test fails if it was sent). */
async function failureOf(send: Promise<unknown>): Promise<Error & { responseCode?: number }> {
  return send.then(
    () => expect.fail('the mail was sent'),
    (error: unknown) => error as Error & { responseCode?: number },
  );
}

function poolFor(url: string, connections = 2, settings: Partial<SmtpPoolOptions> = {}): SmtpPool {
  const pool = new SmtpPool({
    url,
    connections,
    maxMessages: 100,
    timeoutMs: 2_000,
    deadlineMs: 5_000,
    ...settings,
  });
  closers.push(async () => pool.close());
  return pool;
}

describe('SMTP pool', () => {
  it('fails a refused recipient with its code and keeps the connection for the next mail', async () => {
    const server = await relay({
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('nobody@')) {
          const refusal = Object.assign(new Error('no such mailbox'), { responseCode: 550 });
          callback(refusal);
        } else callback();
      },
    });
    const pool = poolFor(`smtp://127.0.0.1:${server.port}`, 1);
    await pool.send({ from: 'a@happening.test', to: ['first@example.test'] }, raw('one'));
    const refused = await failureOf(
      pool.send({ from: 'a@happening.test', to: ['nobody@example.test'] }, raw('two')),
    );
    expect(refused.responseCode).toBe(550);
    expect(classifySmtpError(refused).recoverable).toBe(false);
    await pool.send({ from: 'a@happening.test', to: ['third@example.test'] }, raw('three'));
    expect(server.mails.map((mail) => mail.to)).toEqual([['first@example.test'], ['third@example.test']]);
    expect(server.connections).toBe(1);
  });

  it('fails at once, as a temporary failure, when nothing listens', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const { port } = free.address() as AddressInfo;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const pool = poolFor(`smtp://127.0.0.1:${port}`);
    const sends = Array.from({ length: 5 }, (_, i) =>
      pool
        .send({ from: 'a@happening.test', to: [`p${i}@example.test`] }, raw('x'))
        .catch((error: Error) => error),
    );
    const errors = await Promise.all(sends);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(classifySmtpError(error).recoverable).toBe(true);
    }
  });

  it('sends a mail again on a fresh connection when the relay dropped the reused one without a reply', async () => {
    const mails: string[] = [];
    let connections = 0;
    const dropping = await fakeRelay((_socket, nth) => {
      connections++;
      return nth === 1 ? 1 : Number.POSITIVE_INFINITY;
    }, mails);
    const pool = poolFor(`smtp://127.0.0.1:${dropping.port}`, 1);
    await pool.send({ from: 'a@happening.test', to: ['one@example.test'] }, raw('one'));
    // The first connection is cut when its second mail starts: that mail is not lost.
    await pool.send({ from: 'a@happening.test', to: ['two@example.test'] }, raw('two'));
    expect(mails).toEqual(['one', 'two']);
    expect(connections).toBe(2);
  });

  it('fails a mail whose reply comes a byte at a time once its deadline passes, and drops that connection', async () => {
    const dripping = await fakeRelay(() => Number.POSITIVE_INFINITY, [], [], { dripReply: true });
    // The socket timeout (2 s) never trips: a byte arrives every 100 ms.
    const pool = poolFor(`smtp://127.0.0.1:${dripping.port}`, 1, { deadlineMs: 400 });
    const started = performance.now();
    const error = await failureOf(
      pool.send({ from: 'a@happening.test', to: ['slow@example.test'] }, raw('slow')),
    );
    const took = performance.now() - started;
    expect((error as { code?: string }).code).toBe('ETIMEDOUT');
    expect(classifySmtpError(error).recoverable).toBe(true);
    expect(took).toBeLessThan(1_500);
    expect(pool.size).toBe(0);
  });

  it('logs in with the credentials in the URL, and a wrong password fails the mail', async () => {
    const server = await relay({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'relay-user' && auth.password === 's3cr:t')
          callback(null, { user: auth.username });
        else callback(Object.assign(new Error('bad credentials'), { responseCode: 535 }));
      },
    });
    const good = poolFor(`smtp://relay-user:${encodeURIComponent('s3cr:t')}@127.0.0.1:${server.port}`);
    await good.send({ from: 'a@happening.test', to: ['in@example.test'] }, raw('in'));
    expect(server.mails).toHaveLength(1);
    const bad = poolFor(`smtp://relay-user:wrong@127.0.0.1:${server.port}`);
    const error = await failureOf(
      bad.send({ from: 'a@happening.test', to: ['out@example.test'] }, raw('out')),
    );
    expect(error.responseCode).toBe(535);
    expect(server.mails).toHaveLength(1);
  });

  it('writes an internationalised domain as punycode in the envelope', async () => {
    // A relay of our own: smtp-server would hand the address back decoded.
    const commands: string[] = [];
    const plain = await fakeRelay(() => Number.POSITIVE_INFINITY, [], commands);
    const pool = poolFor(`smtp://127.0.0.1:${plain.port}`);
    await pool.send({ from: 'a@happening.test', to: ['anna@bücher.example'] }, raw('idn'));
    expect(commands).toContain('RCPT TO:<anna@xn--bcher-kva.example>');
    expect(envelopeAddress('plain@example.test')).toBe('plain@example.test');
  });

  it('fails the mail still waiting for a connection when it closes', async () => {
    const server = await relay({
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => setTimeout(callback, 200));
      },
    });
    const pool = poolFor(`smtp://127.0.0.1:${server.port}`, 1);
    const first = pool.send({ from: 'a@happening.test', to: ['one@example.test'] }, raw('one'));
    const second = pool.send({ from: 'a@happening.test', to: ['two@example.test'] }, raw('two'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    pool.close();
    await expect(second).rejects.toThrow(/closed/);
    await first.catch(() => {});
  });
});

/**
 * A relay written out by hand, to break a connection at an exact moment: each connection takes
 * `mailsBefore(socket, nth)` mails, then is destroyed without a reply when the next MAIL FROM comes.
 * `received` gets each mail's subject, `commands` each command line as it came.
 */
async function fakeRelay(
  mailsBefore: (socket: Socket, nth: number) => number,
  received: string[],
  commands: string[] = [],
  /** `dripReply`: the reply to a mail's data comes one byte every 100 ms and never ends. */
  options: { dripReply?: boolean } = {},
): Promise<{ port: number }> {
  let nth = 0;
  const server: Server = createServer((socket) => {
    const allowed = mailsBefore(socket, ++nth);
    let taken = 0;
    let data: string | null = null;
    let buffered = '';
    socket.write('220 fake ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (;;) {
        if (data !== null) {
          const end = buffered.indexOf('\r\n.\r\n');
          if (end < 0) return;
          data += buffered.slice(0, end);
          buffered = buffered.slice(end + 5);
          received.push(/Subject: (\w+)/.exec(data)?.[1] ?? '?');
          taken++;
          data = null;
          if (options.dripReply) {
            const drip = setInterval(() => socket.write('2'), 100);
            socket.on('close', () => clearInterval(drip));
            return;
          }
          socket.write('250 queued\r\n');
          continue;
        }
        const line = buffered.indexOf('\r\n');
        if (line < 0) return;
        commands.push(buffered.slice(0, line));
        const command = buffered.slice(0, line).toUpperCase();
        buffered = buffered.slice(line + 2);
        if (command.startsWith('EHLO') || command.startsWith('HELO')) socket.write('250 fake\r\n');
        else if (command.startsWith('MAIL')) {
          if (taken >= allowed) {
            socket.destroy();
            return;
          }
          socket.write('250 ok\r\n');
        } else if (command.startsWith('RCPT')) socket.write('250 ok\r\n');
        else if (command === 'DATA') {
          data = '';
          socket.write('354 go\r\n');
        } else if (command === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port };
}
