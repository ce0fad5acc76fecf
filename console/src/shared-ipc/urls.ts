/**
 * URL checks used by the main process before anything leaves the app: only http(s) URLs that parse
 * open in the system browser, and only the app's own origin may be navigated to.
 */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://console`;

/** An http(s) URL that parses, or null. Rejects javascript:, file:, custom schemes and credentials. */
export function parseExternalUrl(candidate: unknown): URL | null {
  if (typeof candidate !== 'string' || candidate.length > 2_048) return null;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  return url;
}

/** A server base URL the organizer typed: http(s), no path beyond '/', normalised to its origin. */
export function normaliseServerUrl(candidate: unknown): string | null {
  const url = parseExternalUrl(candidate);
  if (!url) return null;
  if (url.pathname !== '/' || url.search || url.hash) return null;
  return url.origin;
}

export const APP_HOST = 'console';

/** True for URLs of the app's own pages (`app://console/...`). WHATWG gives custom schemes a
 * "null" origin, so the scheme and host are compared instead. */
export function isAppUrl(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * True only for the console's own page, `app://console/index.html` (or `/`), whatever its hash
 * route. No other file under app://console, and nothing on another origin (the widget preview is
 * the server's page), is ever trusted with the bridge.
 */
export function isConsolePage(candidate: string): boolean {
  if (!isAppUrl(candidate)) return false;
  const { pathname } = new URL(candidate);
  return pathname === '/' || pathname === '/index.html';
}
