/**
 * What the pages build ships and what the server answers for the pages' files: only the files
 * each route names, nothing beside or above them, and scripts that carry no schema code.
 */
import { readFile } from 'node:fs/promises';
import { buildTestApp, type TestApp } from '@happening/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pagesDist } from '../src/pages/static-pages.js';

let app: TestApp;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app?.close();
});

describe("the pages' files", () => {
  it.each([
    '/bookings/assets/../../package.json',
    '/bookings/assets/..%2f..%2fpackage.json',
    '/bookings/assets/%2e%2e/plugin.ts',
    '/pages/assets/..%2fstatic-pages.ts',
    '/bookings/assets/booking.ts',
    '/bookings/assets/booking.html',
    '/bookings/assets/invitation.js',
    '/invitations/assets/tsconfig.json',
  ])('never serves %s', async (url) => {
    const response = await app.inject({ url });
    // A path that normalises to `/bookings/<something>` is the booking page itself, which is fine.
    const bookingPage = response.statusCode === 200 && /^<!doctype html>/i.test(response.body);
    if (!bookingPage) expect(response.statusCode, url).toBe(404);
    expect(response.body).not.toMatch(/fastify-plugin|"name"|import |compilerOptions/);
  });

  it('are scripts without TypeBox that share one page kit, which reports NETWORK_ERROR offline', async () => {
    const read = (name: string) => readFile(new URL(name, pagesDist), 'utf8');
    const [booking, invitation, kit] = await Promise.all([
      read('booking.js'),
      read('invitation.js'),
      read('page-kit.js'),
    ]);
    for (const [name, code] of [
      ['booking.js', booking],
      ['invitation.js', invitation],
    ] as const) {
      expect(code, name).toContain('from "/pages/assets/page-kit.js"');
      expect(code, name).not.toMatch(/extends Error/);
      expect(code.length, name).toBeLessThan(20_000);
    }
    for (const code of [booking, invitation, kit]) expect(code).not.toMatch(/typebox|TypeCompiler|\[Kind\]/i);
    expect(kit).toContain('NETWORK_ERROR');
  });
});
