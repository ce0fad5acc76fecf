import { describe, expect, it } from 'vitest';
import { AppError } from '../src/lib/errors.js';
import { checkWebhookUrl } from '../src/modules/webhooks/url-check.js';

/** Registration refuses what the worker would refuse, with the same code, before anything is stored. */
async function refusal(url: string, allowHttp = true): Promise<AppError | null> {
  return checkWebhookUrl(url, { allowPrivate: false, allowHttp }).then(
    () => null,
    (error: unknown) => error as AppError,
  );
}

const strict = { allowPrivate: false, allowHttp: false };

describe('checking a webhook URL when it is registered', () => {
  it('refuses plain http unless development allows it, and other schemes always', async () => {
    for (const url of ['http://93.184.216.34/hook', 'ftp://93.184.216.34/hook', 'ws://93.184.216.34/']) {
      const error = await refusal(url, false);
      expect([error?.statusCode, error?.code], url).toEqual([422, 'WEBHOOK_URL_NOT_ALLOWED']);
      expect(error?.message, url).toMatch(/https/);
    }
    expect(await refusal('ftp://93.184.216.34/hook', true)).toBeInstanceOf(AppError);
    expect(await refusal('http://93.184.216.34/hook', true)).toBeNull();
  });

  it('refuses the ranges issue 11 names, in mapped and compatible spellings too', async () => {
    for (const url of [
      'http://[64:ff9b::7f00:1]/hook',
      'http://[64:ff9b::a9fe:a9fe]/hook',
      'http://[::7f00:1]/hook',
      'http://[::127.0.0.1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[::ffff:a00:5]/hook',
      'http://[fec0::1]/hook',
      'http://[2002:7f00:1::1]/hook',
      'http://[2002:a9fe:a9fe::]/hook',
    ]) {
      const error = await refusal(url);
      expect(error, url).toBeInstanceOf(AppError);
      expect([error?.statusCode, error?.code], url).toEqual([422, 'WEBHOOK_URL_NOT_ALLOWED']);
    }
  });

  it('refuses a name that resolves to loopback without saying what it resolved to', async () => {
    const error = await refusal('http://localhost:8080/hook');
    expect(error?.code).toBe('WEBHOOK_URL_NOT_ALLOWED');
    expect(error?.message).toContain('localhost');
    expect(error?.message).not.toMatch(/127\.|::1/);
  });

  it('accepts public addresses, and anything when development allows private networks', async () => {
    expect(await checkWebhookUrl('https://93.184.216.34/hook', strict)).toBe('https://93.184.216.34/hook');
    expect(await checkWebhookUrl('https://[2606:4700::1111]/hook', strict)).toBe(
      'https://[2606:4700::1111]/hook',
    );
    expect(
      await checkWebhookUrl('http://[64:ff9b::7f00:1]/hook', { allowPrivate: true, allowHttp: true }),
    ).toBe('http://[64:ff9b::7f00:1]/hook');
  });
});
