/**
 * The SMTP connection pool against a real SMTP server: the worker never holds more connections
 * than SMTP_POOL_CONNECTIONS (relays limit them), reopens a connection after
 * SMTP_POOL_MAX_MESSAGES mails, and every mail arrives.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailChannel } from '../src/channels/email.js';
import { ConfigError, loadWorkerConfig } from '../src/config.js';
import { confirmedMessage } from './fixtures.js';

let open = 0;
let mostOpen = 0;
let opened = 0;
const received: string[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onConnect(_session, callback) {
    open++;
    opened++;
    mostOpen = Math.max(mostOpen, open);
    callback();
  },
  onClose() {
    open--;
  },
  onData(stream, _session, callback) {
    let raw = '';
    stream.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
    });
    // A slow relay: mails pile up, so a pool that allowed more connections would open them.
    stream.on('end', () =>
      setTimeout(() => {
        received.push(raw);
        callback();
      }, 30),
    );
  },
});

beforeAll(() => new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve())));
afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

function channelWith(settings: Record<string, string>): EmailChannel {
  return new EmailChannel(
    loadWorkerConfig({
      SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
      ...settings,
    }),
  );
}

async function sendAll(channel: EmailChannel, count: number): Promise<string[]> {
  const messages = Array.from({ length: count }, () => confirmedMessage(randomUUID()));
  await Promise.all(messages.map((message) => channel.send(message)));
  return messages.map((message) => message.id);
}

describe('SMTP connection pool', () => {
  it('defaults to 10 connections and 100 mails per connection', () => {
    const config = loadWorkerConfig({});
    expect(config.SMTP_POOL_CONNECTIONS).toBe(10);
    expect(config.SMTP_POOL_MAX_MESSAGES).toBe(100);
    expect(() => loadWorkerConfig({ SMTP_POOL_CONNECTIONS: '0' })).toThrow(ConfigError);
  });

  it('opens at most SMTP_POOL_CONNECTIONS at once and delivers every mail', async () => {
    open = 0;
    mostOpen = 0;
    received.length = 0;
    const channel = channelWith({ SMTP_POOL_CONNECTIONS: '3' });
    try {
      const ids = await sendAll(channel, 24);
      expect(mostOpen).toBeLessThanOrEqual(3);
      expect(mostOpen).toBeGreaterThan(1);
      for (const id of ids) expect(received.filter((raw) => raw.includes(id))).toHaveLength(1);
    } finally {
      channel.close();
    }
  });

  it('opens a new connection after SMTP_POOL_MAX_MESSAGES mails', async () => {
    opened = 0;
    mostOpen = 0;
    received.length = 0;
    const channel = channelWith({ SMTP_POOL_CONNECTIONS: '1', SMTP_POOL_MAX_MESSAGES: '4' });
    try {
      await sendAll(channel, 12);
      expect(received).toHaveLength(12);
      expect(opened).toBeGreaterThanOrEqual(3);
      expect(mostOpen).toBe(1);
    } finally {
      channel.close();
    }
  });
});
