/**
 * Serves the renderer from `app://console/` instead of file://, so pages get a real origin, a CSP
 * header and no file-system privileges (the grantFileProtocolExtraPrivileges fuse is off).
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { protocol } from 'electron';
import { contentType } from 'mime-types';
import { APP_HOST, APP_SCHEME } from '../shared-ipc/urls.js';
import { CONTENT_SECURITY_POLICY } from './csp.js';

/** Must run before `app.whenReady()`: the scheme behaves like https (origin, fetch, secure context). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** The file under `root` a request asks for, or null when it is not ours or escapes `root`. */
export function resolveAppFile(root: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
  const file = normalize(join(root, relative));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) return null;
  return file;
}

export async function appResponse(root: string, requestUrl: string): Promise<Response> {
  const file = resolveAppFile(root, requestUrl);
  if (!file) return new Response('Not found', { status: 404 });
  try {
    const body = await readFile(file);
    // One policy for every page: no app page may load script from elsewhere (the widget preview is
    // the server's page, never served from here).
    return new Response(body, {
      headers: {
        'content-type': contentType(extname(file)) || 'application/octet-stream',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
      },
    });
  } catch {
    return new Response('Not found', { status: 404 });
  }
}

export function handleAppProtocol(root: string): void {
  protocol.handle(APP_SCHEME, (request) => appResponse(root, request.url));
}
