/** The content security policy, shared by the app:// protocol and the web build's static server. */

/** The policy of the console itself: own scripts and styles only; the API server may be anywhere. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' http: https: ws: wss:",
  // Only the widget preview: the server's own page, sandboxed (screens/Keys.tsx). The organizer
  // chooses the server, so it may be any http(s) origin; never one of the app's pages.
  'frame-src http: https:',
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');
