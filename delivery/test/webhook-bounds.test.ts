/**
 * Every webhook delivery is bounded: a total deadline over connect, headers and body, and a cap
 * on the answer's bytes. A receiver that sends its headers and then drips, or answers with
 * megabytes, is a failed (recoverable) attempt, not a worker held for as long as it likes. And a
 * plain-http URL is refused at delivery unless development allows it.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryFailure, WebhookChannel, type WebhookEvent } from '../src/index.js';

const settings = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: true,
  WEBHOOK_ALLOW_HTTP: true,
  WEBHOOK_TIMEOUT_MS: 1_000,
  WEBHOOK_MAX_RESPONSE_BYTES: 1_024,
};
const target = {
  id: 'endpoint',
  secret: `whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`,
  previousSecret: null,
};
const event: WebhookEvent = {
  id: 'msg',
  type: 'webhook.test',
  timestamp: new Date().toISOString(),
  data: {},
};

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function receiver(answer: (response: ServerResponse) => void): Promise<string> {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(response));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

async function failureOf(promise: Promise<unknown>): Promise<DeliveryFailure> {
  const outcome = await promise.then(
    (status) => new Error(`delivered with ${String(status)}`),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(DeliveryFailure);
  return outcome as DeliveryFailure;
}

describe('bounded webhook deliveries', () => {
  it('gives up at the total deadline on a receiver that sends headers, then a byte now and then', async () => {
    // Each byte arrives well within an idle timeout; only a deadline on the whole request ends it.
    const url = await receiver((response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.flushHeaders();
      const drip = setInterval(() => response.write('.'), 200);
      response.on('close', () => clearInterval(drip));
    });
    const started = performance.now();
    const failure = await failureOf(new WebhookChannel(settings).deliver({ ...target, url }, event));
    const elapsed = performance.now() - started;
    expect(failure.recoverable).toBe(true);
    expect(failure.message).toBe('webhook did not finish within 1000 ms');
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2_500);
  });

  it('gives up at the deadline on a receiver that never answers', async () => {
    const url = await receiver(() => {});
    const failure = await failureOf(new WebhookChannel(settings).deliver({ ...target, url }, event));
    expect([failure.recoverable, failure.message]).toEqual([true, 'webhook did not finish within 1000 ms']);
  });

  it('cuts off a 10 MB answer at the byte cap and counts it as a failed attempt', async () => {
    let socketClosed: Promise<void> = Promise.resolve();
    const url = await receiver((response) => {
      // The sender hangs up on a cut-off answer; after one read to its end it would keep the
      // connection alive for its next request.
      socketClosed = new Promise((resolve) => response.socket!.once('close', () => resolve()));
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(Buffer.alloc(10 * 1024 * 1024, 'a'));
    });
    const started = performance.now();
    const failure = await failureOf(new WebhookChannel(settings).deliver({ ...target, url }, event));
    expect(failure.recoverable).toBe(true);
    expect(failure.message).toBe('webhook answer exceeded 1024 bytes; cut off');
    expect(performance.now() - started).toBeLessThan(1_000);
    await socketClosed;
  });

  it('reads a small answer to its end and reports the status', async () => {
    const url = await receiver((response) => response.writeHead(202).end('accepted'));
    expect(await new WebhookChannel(settings).deliver({ ...target, url }, event)).toBe(202);
  });

  it('refuses a plain-http URL at delivery unless http is allowed, without connecting', async () => {
    let hits = 0;
    const url = await receiver((response) => {
      hits++;
      response.writeHead(204).end();
    });
    const failure = await failureOf(
      new WebhookChannel({ ...settings, WEBHOOK_ALLOW_HTTP: false }).deliver({ ...target, url }, event),
    );
    expect(failure.recoverable).toBe(false);
    expect(failure.message).toMatch(
      /^webhook URL refused: http webhook URLs are not allowed here; use https/,
    );
    expect(hits).toBe(0);
  });
});
