/**
 * The console's widget preview: the server's own page `/widget/preview`, framed by the console with
 * `sandbox="allow-scripts"` only. Its document's origin is opaque, so its requests carry
 * `Origin: null`, which allowed origins refuse; an admin's short-lived preview key stands in for the
 * publishable key there, and nothing else accepts it.
 */
import type { Availability } from '@happening/shared';
import { type LiveEvent, publishedEvent, rowsMap } from '@happening/testing/inventory';
import {
  addMember,
  bearer,
  buildTestApp,
  type SignedUp,
  signup,
  type TestApp,
} from '@happening/testing/server';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreviewKeys } from '../src/widget-preview/preview-keys.js';

const TOKEN_SECRET = 'test-secret-test-secret-test-secret-0123456789';
let app: TestApp;
let url: string;
let admin: SignedUp;
let live: LiveEvent;

beforeAll(async () => {
  app = await buildTestApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  admin = await signup(app, 'preview');
  live = await publishedEvent(app, admin, rowsMap(1, 4));
});

afterAll(async () => {
  await app?.close();
});

async function previewKey(token: string, orgId = admin.orgId) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/widget-preview-key`,
    headers: bearer(token),
  });
}

/** What the sandboxed preview frame sends: its opaque origin serialises as "null". */
const fromPreviewFrame = (credential: string) => ({ ...bearer(credential), origin: 'null' });

describe('widget preview keys', () => {
  it("are issued to the organization's admins only", async () => {
    const issued = await previewKey(admin.token);
    expect(issued.statusCode).toBe(200);
    expect(issued.json().previewKey).toMatch(/^pv_/);
    const minutes = (Date.parse(issued.json().expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);

    const viewer = await addMember(app, admin.orgId, 'viewer');
    expect((await previewKey(viewer.token)).statusCode).toBe(403);
    const stranger = await signup(app, 'preview-stranger');
    expect((await previewKey(stranger.token)).statusCode).toBe(404);
    expect((await previewKey(live.publishableKey)).statusCode).toBe(403);
  });

  it('let the sandboxed preview use the widget where the publishable key is refused', async () => {
    // The publishable key from an opaque origin is refused, as from any origin not allowed.
    const refused = await app.inject({
      url: `/api/v1/events/${live.eventId}`,
      headers: fromPreviewFrame(live.publishableKey),
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('ORIGIN_NOT_ALLOWED');

    const key = (await previewKey(admin.token)).json().previewKey as string;
    const event = await app.inject({ url: `/api/v1/events/${live.eventId}`, headers: fromPreviewFrame(key) });
    expect(event.statusCode).toBe(200);
    const hold = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${live.eventId}/holds`,
      headers: fromPreviewFrame(key),
      payload: { seats: ['main-A-1'] },
    });
    expect(hold.statusCode).toBe(200);

    // The widget's socket, with the same Origin.
    const socket = io(`${url}/widget`, {
      auth: { publishableKey: key },
      transports: ['websocket'],
      extraHeaders: { origin: 'null' },
      reconnection: false,
    });
    try {
      const snapshot = await new Promise<{ ok: boolean; data?: Availability }>((resolve) =>
        socket.emit('join', { eventId: live.eventId }, resolve as never),
      );
      expect(snapshot.ok).toBe(true);
      expect(snapshot.data!.seats).toEqual({ 'main-A-1': 'held' });
    } finally {
      socket.close();
    }
  });

  it("are worthless forged, altered, expired or for another organization's event", async () => {
    const other = await signup(app, 'preview-other');
    const otherEvent = await publishedEvent(app, other, rowsMap(1, 2));
    const key = (await previewKey(admin.token)).json().previewKey as string;
    // Another organization's event does not exist for this key.
    const foreign = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${otherEvent.eventId}/holds`,
      headers: fromPreviewFrame(key),
      payload: { seats: ['main-A-1'] },
    });
    expect(foreign.statusCode).toBe(404);

    const [orgId, expires, mac] = key.slice(3).split('.') as [string, string, string];
    const expired = new PreviewKeys(TOKEN_SECRET, () => Date.now() - 31 * 60_000).issue(
      admin.orgId,
    ).previewKey;
    const otherSecret = new PreviewKeys('another-secret-another-secret-0123456789').issue(
      admin.orgId,
    ).previewKey;
    for (const forged of [
      `pv_${other.orgId}.${expires}.${mac}`,
      `pv_${orgId}.${Number(expires) + 3_600}.${mac}`,
      `pv_${orgId}.${expires}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      expired,
      otherSecret,
      'pv_nonsense',
    ]) {
      const response = await app.inject({
        url: `/api/v1/events/${live.eventId}`,
        headers: fromPreviewFrame(forged),
      });
      expect(response.statusCode, forged).toBe(401);
      expect(response.json().error.code).toBe('UNAUTHENTICATED');
    }
    // Nor is it a session token.
    expect((await app.inject({ url: '/api/v1/auth/me', headers: bearer(key) })).statusCode).toBe(403);
  });
});

describe('the preview page', () => {
  it('is the server’s own page, frameable by the console, with nothing inline and no referrer', async () => {
    const page = await app.inject({ url: '/widget/preview' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).not.toContain('frame-ancestors');
    expect(page.headers['x-frame-options']).toBeUndefined();
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('/widget/preview/preview.js');
    // Loaded by a document whose origin is opaque: its own files are cross-origin loads.
    const script = await app.inject({ url: '/widget/preview/preview.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(script.body).toContain('happening-seat-picker');
  });
});
