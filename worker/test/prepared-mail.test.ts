/**
 * The email as prepared raw MIME (`prepared-mail.ts`): a stock parser (mailparser) reads back
 * exactly what the template rendered, header values from organizers cannot inject headers, and
 * the pool delivers the prepared bytes unchanged to a real SMTP server.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailChannel } from '../src/channels/email.js';
import { encodeWords, prepareMail } from '../src/channels/prepared-mail.js';
import { loadWorkerConfig } from '../src/config.js';
import { renderEmail } from '../src/templates/index.js';
import { confirmedMessage } from './fixtures.js';

const FROM = 'Happening <no-reply@happening.test>';

function withEventName(name: string) {
  const message = confirmedMessage(randomUUID());
  return { ...message, event: { ...message.event, name } };
}

describe('prepared raw MIME', () => {
  it('parses back to the rendered subject, text, HTML, addresses and headers', async () => {
    const message = withEventName('Zürich “Nachtkonzert” — Große Halle, Reihe Ä');
    const rendered = renderEmail(message);
    const { envelope, raw } = await prepareMail(message, FROM);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(rendered.subject);
    expect(mail.text).toBe(rendered.text);
    expect(mail.html).toBe(rendered.html);
    expect(mail.from?.value).toEqual([{ address: 'no-reply@happening.test', name: 'Happening' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : null).toBe(rendered.to);
    expect(mail.messageId).toBe(`<${message.id}@notifications.happening>`);
    expect(mail.headers.get('x-happening-notification-id')).toBe(message.id);
    expect(mail.headers.get('x-happening-type')).toBe('booking_confirmed');
    expect(mail.date?.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(envelope).toEqual({ from: 'no-reply@happening.test', to: [rendered.to] });
    // No line longer than RFC 5322's 78-character recommendation.
    for (const line of raw.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
  });

  it('folds a long plain subject readably and keeps every line short', async () => {
    const message = withEventName(`${'A very long event name '.repeat(6)}end`);
    const rendered = renderEmail(message);
    const { raw } = await prepareMail(message, FROM);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(rendered.subject);
    expect(mail.text).toBe(rendered.text);
    expect(raw.toString()).toContain('Subject: Booking confirmed: A very long event name');
    for (const line of raw.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
  });

  it('keeps a CR/LF in an event name inside the subject (no injected header)', async () => {
    const message = withEventName('Gala\r\nBcc: victim@example.test\r\nX-Evil: 1');
    const mail = await simpleParser((await prepareMail(message, FROM)).raw);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.headers.has('x-evil')).toBe(false);
    expect(mail.subject).toContain('Bcc: victim@example.test');
  });

  it('encodes a non-ASCII sender name and never splits a character across encoded words', async () => {
    const mail = await simpleParser(
      (await prepareMail(withEventName('x'), 'Größe, Ltd <mail@happening.test>')).raw,
    );
    expect(mail.from?.value).toEqual([{ address: 'mail@happening.test', name: 'Größe, Ltd' }]);
    const long = '€'.repeat(40);
    const decoded = encodeWords(long)
      .split('\r\n ')
      .map((word) => Buffer.from(word.slice('=?UTF-8?B?'.length, -2), 'base64').toString('utf8'));
    expect(decoded.join('')).toBe(long);
    expect(decoded.every((part) => !part.includes('\uFFFD'))).toBe(true);
  });
});

describe('EmailChannel sends the prepared bytes', () => {
  const received: Buffer[] = [];
  const envelopes: string[][] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks));
        envelopes.push(session.envelope.rcptTo.map((rcpt) => rcpt.address));
        callback();
      });
    },
  });
  beforeAll(() => new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve())));
  afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

  it('delivers one mail per message that parses to the rendered content', async () => {
    const channel = new EmailChannel(
      loadWorkerConfig({ SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}` }),
    );
    try {
      // A line starting with a dot must survive SMTP's dot-stuffing.
      const messages = [withEventName('.hidden'), withEventName('Plain')];
      await Promise.all(messages.map((message) => channel.send(message)));
      expect(received).toHaveLength(2);
      const parsed = await Promise.all(received.map((raw) => simpleParser(raw)));
      for (const message of messages) {
        const rendered = renderEmail(message);
        const mail = parsed.find((candidate) => candidate.messageId?.includes(message.id));
        expect(mail?.subject).toBe(rendered.subject);
        expect(mail?.text).toBe(rendered.text);
        expect(mail?.html).toBe(rendered.html);
      }
      expect(envelopes.flat().sort()).toEqual(messages.map((message) => message.attendee.email).sort());
    } finally {
      channel.close();
    }
  });
});
