import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { start } from '../../src/main/main.js';
import { MENU_NAVIGATE } from '../../src/shared-ipc/channels.js';
import {
  app,
  FakeBrowserWindow,
  ipcMain,
  Menu,
  Notification,
  protocol,
  resetElectron,
} from '../mocks/electron.js';

beforeEach(() => {
  resetElectron();
  app.userData = mkdtempSync(join(tmpdir(), 'console-'));
});

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('app start', () => {
  it('quits at once when another instance holds the lock', async () => {
    app.hasLock = false;
    start();
    await app.becomeReady();
    await flush();
    expect(app.quit).toHaveBeenCalled();
    expect(FakeBrowserWindow.windows).toHaveLength(0);
  });

  it('registers the protocol, IPC and menu, then opens one hardened window', async () => {
    start();
    expect(protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    await app.becomeReady();
    await flush();
    expect(protocol.handlers.has('app')).toBe(true);
    expect(ipcMain.handlers.size).toBeGreaterThan(0);
    expect(Menu.current).not.toBeNull();
    expect(FakeBrowserWindow.windows).toHaveLength(1);
    const window = FakeBrowserWindow.windows[0]!;
    expect(window.options.webPreferences).toMatchObject({
      preload: join('/app', 'dist', 'preload', 'preload.cjs'),
    });
    // installSecurity hooked web-contents-created before the window existed.
    expect(window.webContents.windowOpenHandler?.({ url: 'https://x.example' })).toEqual({ action: 'deny' });
  });

  it('focuses the existing window when a second instance starts', async () => {
    start();
    await app.becomeReady();
    await flush();
    const window = FakeBrowserWindow.windows[0]!;
    window.minimized = true;
    app.emit('second-instance');
    expect(window.minimized).toBe(false);
    expect(window.focused).toBe(true);
  });

  it('menu shortcuts ask the renderer for screens; notifications only in the background', async () => {
    start();
    await app.becomeReady();
    await flush();
    const window = FakeBrowserWindow.windows[0]!;
    type Item = { label?: string; accelerator?: string; submenu?: Item[]; click?: () => void };
    const go = (Menu.current!.template as Item[]).find((item) => item.label === 'Go')!;
    const queues = go.submenu!.find((item) => item.label === 'Queue stats')!;
    expect(queues.accelerator).toBe('CmdOrCtrl+3');
    queues.click!();
    expect(window.webContents.sent).toEqual([{ channel: MENU_NAVIGATE, args: ['queues'] }]);

    const notify = ipcMain.handlers.get('notify:show')!;
    const call = () =>
      notify(
        { sender: window.webContents, senderFrame: { url: 'app://console/index.html', parent: null } },
        { title: 'Booking', body: 'Ada booked 2 seats' },
      );
    window.focused = true;
    expect(call()).toBe(false);
    window.focused = false;
    expect(call()).toBe(true);
    expect(Notification.shown.map((n) => n.options.title)).toEqual(['Booking']);
  });
});

describe('menu template', () => {
  it('offers developer tools only in unpackaged builds, and the app menu only on macOS', async () => {
    const { menuTemplate } = await import('../../src/main/menu.js');
    const roles = (devTools: boolean, isMac: boolean) =>
      JSON.stringify(menuTemplate(() => null, { devTools, isMac }));
    expect(roles(false, false)).not.toContain('toggleDevTools');
    expect(roles(true, false)).toContain('toggleDevTools');
    expect(roles(false, false)).not.toContain('appMenu');
    expect(roles(false, true)).toContain('appMenu');
  });
});
