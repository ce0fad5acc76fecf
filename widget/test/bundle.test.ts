import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { buildTestApp, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dist = (file: string) => readFile(new URL(`../dist/${file}`, import.meta.url));

let app: TestApp;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app?.close();
});

describe('the bundle partners load', () => {
  it('is served cross-origin with a short cache, an ETag and its source map', async () => {
    const origin = 'https://partner.example';
    const response = await app.inject({ url: '/widget/happening.js', headers: { origin } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.headers['access-control-allow-origin']).toBe(origin);
    expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(response.rawPayload.equals(await dist('happening.js'))).toBe(true);
    expect(response.body).toMatch(/\/\/# sourceMappingURL=happening\.js\.map\s*$/);

    const again = await app.inject({
      url: '/widget/happening.js',
      headers: { 'if-none-match': response.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');

    const map = await app.inject({ url: '/widget/happening.js.map' });
    expect(map.statusCode).toBe(200);
    expect(map.json().sources.some((source: string) => source.endsWith('seat-picker.component.ts'))).toBe(
      true,
    );
  });

  it('offers a content-hashed, immutable copy and the integrity value to pin it with', async () => {
    const bundle = await dist('happening.js');
    const info = await app.inject({ url: '/widget/happening.json' });
    expect(info.json()).toEqual({
      src: expect.stringMatching(/^\/widget\/happening-[0-9a-f]{12}\.js$/),
      integrity: `sha384-${createHash('sha384').update(bundle).digest('base64')}`,
      version: createHash('sha256').update(bundle).digest('hex').slice(0, 12),
    });
    const pinned = await app.inject({ url: info.json().src });
    expect(pinned.statusCode).toBe(200);
    expect(pinned.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const stale = await app.inject({ url: '/widget/happening-000000000000.js' });
    expect(stale.statusCode).toBe(404);
    expect(stale.json().error.code).toBe('NOT_FOUND');
  });

  it('serves each shipped language to pages on any origin, and nothing else from that path', async () => {
    const origin = 'https://partner.example';
    const german = await app.inject({ url: '/widget/locales/de.json', headers: { origin } });
    expect(german.statusCode).toBe(200);
    expect(german.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(german.headers['access-control-allow-origin']).toBe(origin);
    expect(german.headers['cache-control']).toBe('public, max-age=300');
    expect(german.json().statusAvailable).toBe('frei');
    for (const url of [
      '/widget/locales/it.json',
      '/widget/locales/..%2Fhappening.js.map.json',
      '/widget/locales/DE.json',
    ]) {
      const refused = await app.inject({ url });
      expect(refused.statusCode, url).toBe(404);
      expect(refused.json().error.code).toBe('NOT_FOUND');
    }
  });

  it('stays within its size budget: one module, dependencies included, ≤ 35 KB gzip', async () => {
    const bundle = await dist('happening.js');
    expect(bundle.toString()).not.toMatch(/^import |\bimport\(/m);
    // English is built in; German, French and Spanish are fetched separately (see above).
    expect(bundle.toString()).not.toContain('Plätze');
    expect(gzipSync(bundle, { level: 9 }).length).toBeLessThanOrEqual(35 * 1024);
    // Lit's licence headers travel with it (its BSD licence asks so of a redistribution).
    expect(bundle.toString()).toMatch(
      /@license\s+\* Copyright \d{4} Google LLC\s+\* SPDX-License-Identifier: BSD-3-Clause/,
    );
  });

  it('comes with a custom-elements manifest listing the public API', async () => {
    const manifest = JSON.parse((await dist('custom-elements.json')).toString());
    const element = manifest.modules
      .flatMap((module: { declarations?: unknown[] }) => module.declarations ?? [])
      .find((declaration: { tagName?: string }) => declaration.tagName === 'happening-seat-picker');
    expect(element.attributes.map((attribute: { name: string }) => attribute.name)).toEqual([
      'event-id',
      'publishable-key',
      'server',
      'section',
      'max-seats',
      'party-size',
      'locale',
    ]);
    expect(element.events.map((event: { name: string }) => event.name)).toEqual([
      'happening-hold',
      'happening-hold-expired',
      'happening-booked',
      'happening-waitlisted',
      'happening-error',
      'happening-queue',
    ]);
    expect(element.cssParts.map((part: { name: string }) => part.name)).toContain('seat-map');
    expect(element.cssProperties.map((property: { name: string }) => property.name)).toContain(
      '--happening-seat-available',
    );
  });
});
