/**
 * The real thing for end-to-end tests: the server app (real PostgreSQL, Redis, RabbitMQ) listening
 * on a free port, the partner demo page on another port (its origin allowed), a second copy of the
 * page on a port the organization does not allow, and one organization with its keys — all made
 * through the REST API. Each test file gets its own organization, so files run side by side.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CreateEventBody, SeatMap } from '@happening/shared';
import { bearer, buildTestApp, type SignedUp, signup, type TestApp } from '@happening/testing/server';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { startDemoServer } from '../demo/serve.js';

export interface Stack {
  app: TestApp;
  serverUrl: string;
  demoUrl: string;
  foreignUrl: string;
  owner: SignedUp;
  publishableKey: string;
  secretKey: string;
  createEvent(seatMap: SeatMap, settings?: Partial<CreateEventBody>): Promise<string>;
  pageUrl(eventId: string, base?: string): string;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const app = await buildTestApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const serverUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const demo = await startDemoServer({ server: serverUrl, eventId: '', publishableKey: '', port: 0 });
  const foreign = await startDemoServer({ server: serverUrl, eventId: '', publishableKey: '', port: 0 });

  const owner = await signup(app, 'widget-e2e');
  const rotated = await app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${owner.orgId}/keys/rotate`,
    headers: bearer(owner.token),
  });
  expect(rotated.statusCode).toBe(200);
  const origins = await app.inject({
    method: 'PUT',
    url: `/api/v1/orgs/${owner.orgId}/allowed-origins`,
    headers: bearer(owner.token),
    payload: { allowedOrigins: [demo.url] },
  });
  expect(origins.statusCode).toBe(200);

  const publishableKey = rotated.json().publishableKey as string;
  return {
    app,
    serverUrl,
    demoUrl: demo.url,
    foreignUrl: foreign.url,
    owner,
    publishableKey,
    secretKey: rotated.json().secretKey,
    async createEvent(seatMap, settings = {}) {
      const created = await app.inject({
        method: 'POST',
        url: `/api/v1/orgs/${owner.orgId}/events`,
        headers: bearer(owner.token),
        payload: {
          name: 'Widget night',
          startsAt: '2030-01-01T20:00:00.000Z',
          venue: 'Hall',
          seatMap,
          ...settings,
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const eventId = created.json().event.id as string;
      const published = await app.inject({
        method: 'POST',
        url: `/api/v1/events/${eventId}/publish`,
        headers: bearer(owner.token),
      });
      expect(published.statusCode, published.body).toBe(200);
      return eventId;
    },
    pageUrl(eventId, base = demo.url) {
      return `${base}/?${new URLSearchParams({ event: eventId, key: publishableKey })}`;
    },
    async close() {
      await Promise.all([demo.server, foreign.server].map(closeServer));
      await app.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export const smallMap = (rows = 2, seats = 4): SeatMap => ({
  sections: [
    {
      id: 'orch',
      label: 'Orchestra',
      kind: 'reserved',
      category: 'premium',
      rows: Array.from({ length: rows }, (_, i) => ({ label: String.fromCharCode(65 + i), seats })),
    },
  ],
  categories: [{ key: 'premium', label: 'Premium', price: 8900, currency: 'EUR' }],
});

export const seat = (page: Page, id: string) => page.locator(`happening-seat-picker circle[data-id="${id}"]`);
export const seatLabel = (page: Page, id: string) => seat(page, id).getAttribute('aria-label');

/** Waits until the widget shows its live connection (snapshot joined). */
export async function live(page: Page): Promise<void> {
  await expect
    .poll(() => page.locator('happening-seat-picker .connection').getAttribute('data-state'))
    .toBe('live');
}

export const loggedEvents = (page: Page) =>
  page
    .locator('#event-log li')
    .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.type));
