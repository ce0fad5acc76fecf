import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Preview keys: what the console's widget preview uses instead of the publishable key. The preview
 * runs in a frame sandboxed without `allow-same-origin`, so its requests carry `Origin: null`,
 * which no organization's allowed origins can (or should) contain. A preview key is a short-lived
 * `pk_` stand-in that an organization's admin asks for: it acts for that organization exactly as
 * its publishable key does from a server (no Origin to check), and stops working after
 * PREVIEW_KEY_TTL_SECONDS. It grants nothing a publishable key does not already grant a script.
 *
 * `pv_<orgId>.<expires, unix seconds>.<HMAC>`, the HMAC keyed by a key derived from TOKEN_SECRET
 * under its own label, so it is never the key of session tokens or manage tokens.
 */
export const PREVIEW_KEY_TTL_SECONDS = 1_800;
const KEY_LABEL = 'happening/widget-preview-key/v1';
const SHAPE = /^pv_([0-9a-f-]{36})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/;

export class PreviewKeys {
  private readonly key: Buffer;

  constructor(
    tokenSecret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', tokenSecret, '', KEY_LABEL, 32));
  }

  private mac(orgId: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${orgId}.${expires}`).digest('base64url');
  }

  issue(orgId: string): { previewKey: string; expiresAt: string } {
    const expires = Math.floor(this.now() / 1000) + PREVIEW_KEY_TTL_SECONDS;
    return {
      previewKey: `pv_${orgId}.${expires}.${this.mac(orgId, expires)}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /** The organization of a valid, unexpired preview key, or null. */
  verify(candidate: string): string | null {
    const match = SHAPE.exec(candidate);
    if (!match) return null;
    const [, orgId, expiresText, mac] = match as unknown as [string, string, string, string];
    const expires = Number(expiresText);
    if (expires * 1000 <= this.now()) return null;
    const expected = Buffer.from(this.mac(orgId, expires));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? orgId : null;
  }
}
