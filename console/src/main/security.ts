/**
 * Electron security checklist, applied to every web contents the app ever creates (not only the
 * main window), so a later window or a stray iframe cannot opt out by accident.
 */
import { app, session, shell, type WebContents } from 'electron';
import { isAppUrl, parseExternalUrl } from '../shared-ipc/urls.js';

export { CONTENT_SECURITY_POLICY } from './csp.js';

/** Opens http(s) URLs in the system browser; anything else is refused. */
export async function openExternalSafely(candidate: unknown): Promise<boolean> {
  const url = parseExternalUrl(candidate);
  if (!url) return false;
  await shell.openExternal(url.href);
  return true;
}

/** Navigation, new windows and webviews: the app never leaves its own pages. */
export function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    // Links the organizer clicks (docs, the widget demo) open in the browser, never in the app.
    void openExternalSafely(url);
    return { action: 'deny' };
  });
  const blockForeignNavigation = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', blockForeignNavigation);
  contents.on('will-redirect', blockForeignNavigation);
  contents.on('will-frame-navigate', (event) => {
    // The widget preview iframe is the one frame allowed to load the organization's server; it is
    // sandboxed, off the app's origin, and never an IPC sender the main process trusts (ipc.ts).
    if (event.isMainFrame && !isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** The one permission the console uses: writing to the clipboard (copy key, copy snippet). */
export function isPermissionAllowed(permission: string, requestingUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl);
}

/** Session-wide rules: deny every permission prompt and device access but clipboard writes. */
export function hardenSession(): void {
  const defaultSession = session.defaultSession;
  defaultSession.setPermissionRequestHandler((contents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl ?? contents.getURL())),
  );
  defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin),
  );
  defaultSession.setDevicePermissionHandler(() => false);
}

/** Installs the rules for the whole app; call once, before any window exists. */
export function installSecurity(): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  hardenSession();
}
