import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  hardenWebContents,
  installSecurity,
  isPermissionAllowed,
  openExternalSafely,
} from '../../src/main/security.js';
import { app, FakeWebContents, resetElectron, session, shell } from '../mocks/electron.js';

beforeEach(() => {
  resetElectron();
  app.userData = mkdtempSync(join(tmpdir(), 'console-'));
});

describe('external links', () => {
  it.each([
    'javascript:alert(1)',
    'file:///etc/passwd',
    'smb://attacker/share',
    'app://console/index.html',
    'https://user:pass@example.com/',
    'not a url',
    42,
  ])('refuses %s', async (url) => {
    expect(await openExternalSafely(url)).toBe(false);
    expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('opens parsed http(s) URLs in the system browser', async () => {
    expect(await openExternalSafely('https://example.com/docs?a=1')).toBe(true);
    expect(shell.openExternal).toHaveBeenCalledWith('https://example.com/docs?a=1');
  });
});

describe('every web contents', () => {
  it('denies window.open and sends http(s) links to the browser instead', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never);
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
    expect(shell.openExternal).toHaveBeenCalledWith('https://example.com/');
  });

  it('blocks navigation and redirects away from the app, allows its own pages', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never);
    expect(contents.emitCancellable('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.emitCancellable('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(contents.emitCancellable('will-redirect', 'https://evil.example/')).toBe(true);
    expect(contents.emitCancellable('will-navigate', 'app://console/index.html#/events')).toBe(false);
    expect(contents.emitCancellable('will-navigate', 'app://other/index.html')).toBe(true);
  });

  it('never attaches a webview', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never);
    expect(contents.emitCancellable('will-attach-webview', {}, {})).toBe(true);
  });

  it('is applied to web contents created later, by the app-wide hook', () => {
    installSecurity();
    const contents = new FakeWebContents();
    app.emit('web-contents-created', {}, contents);
    expect(contents.windowOpenHandler).not.toBeNull();
    expect(contents.listenerCount('will-navigate')).toBe(1);
  });
});

describe('permissions', () => {
  it('allows only clipboard writes from app pages', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', 'app://console/index.html')).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    // The widget preview frame is the server's page: no permission at all.
    expect(isPermissionAllowed('clipboard-sanitized-write', 'http://127.0.0.1:3000/widget/preview')).toBe(
      false,
    );
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read'])
      expect(isPermissionAllowed(permission, 'app://console/index.html')).toBe(false);
  });

  it('wires the rule into the session handlers', () => {
    installSecurity();
    const answers: boolean[] = [];
    const handler = session.defaultSession.permissionRequestHandler!;
    handler(new FakeWebContents(), 'media', (granted) => answers.push(granted), {
      requestingUrl: 'app://console/index.html',
    });
    handler(new FakeWebContents(), 'clipboard-sanitized-write', (granted) => answers.push(granted), {
      requestingUrl: 'app://console/index.html',
    });
    expect(answers).toEqual([false, true]);
    expect(session.defaultSession.permissionCheckHandler!({}, 'geolocation', 'app://console')).toBe(false);
    expect(session.defaultSession.deviceHandler!()).toBe(false);
  });
});
