import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  classifyStatus,
  DeliveryFailure,
  signatureHeader,
  verifyWebhook,
  WebhookChannel,
  webhookPayload,
} from '../src/index.js';

describe('webhook answers', () => {
  it('retries webhook 408, 429 and 5xx; other answers are permanent', () => {
    expect(classifyStatus(204)).toBeNull();
    for (const status of [408, 429, 500, 503]) expect(classifyStatus(status)!.recoverable).toBe(true);
    for (const status of [301, 400, 401, 404, 410]) expect(classifyStatus(status)!.recoverable).toBe(false);
  });
});

const settings = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: true,
  WEBHOOK_ALLOW_HTTP: true,
  WEBHOOK_TIMEOUT_MS: 2_000,
  WEBHOOK_MAX_RESPONSE_BYTES: 65_536,
};

describe('webhook network guard at delivery', () => {
  it('refuses to connect to a loopback receiver unless development allows it', async () => {
    let hits = 0;
    const server = createServer((_request, response) => {
      hits++;
      response.writeHead(200).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const target = {
      id: 'e',
      secret: `whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`,
      previousSecret: null,
    };
    const event = { id: 'msg', type: 'webhook.test', timestamp: new Date().toISOString(), data: {} };
    try {
      const guarded = new WebhookChannel({ ...settings, WEBHOOK_ALLOW_PRIVATE_NETWORKS: false });
      for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`]) {
        const failure = await guarded.deliver({ ...target, url }, event).catch((error: unknown) => error);
        expect(failure, url).toBeInstanceOf(DeliveryFailure);
        expect((failure as DeliveryFailure).recoverable).toBe(false);
        expect((failure as DeliveryFailure).message).toMatch(
          /^webhook URL refused \(WEBHOOK_URL_NOT_ALLOWED\)/,
        );
        // A name's refusal does not say what it resolved to.
        if (url.includes('localhost')) expect((failure as DeliveryFailure).message).not.toMatch(/127\.|::1/);
      }
      expect(hits).toBe(0);
      const allowed = new WebhookChannel(settings);
      expect(await allowed.deliver({ ...target, url: `http://localhost:${port}/` }, event)).toBe(200);
      expect(hits).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('signatures', () => {
  const secret = `whsec_${Buffer.from('s'.repeat(32)).toString('base64')}`;
  const previous = `whsec_${Buffer.from('p'.repeat(32)).toString('base64')}`;
  const payload = webhookPayload({ id: 'msg_1', type: 'webhook.test', timestamp: 'now', data: { a: 1 } });

  it('signs with the current and the previous secret, and a receiver with either verifies', () => {
    const at = new Date();
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': Math.floor(at.getTime() / 1000).toString(),
      'webhook-signature': signatureHeader(
        { id: 'e', url: '', secret, previousSecret: previous },
        'msg_1',
        at,
        payload,
      ),
    };
    for (const key of [secret, previous])
      expect(verifyWebhook(key, payload, headers)).toMatchObject({ data: { a: 1 } });
    const other = `whsec_${Buffer.from('o'.repeat(32)).toString('base64')}`;
    expect(() => verifyWebhook(other, payload, headers)).toThrow();
    expect(() => verifyWebhook(secret, `${payload} `, headers)).toThrow();
  });
});
