import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { registerIpc } from '../../src/main/ipc.js';
import { INVOKE_CHANNELS, IpcChannel } from '../../src/shared-ipc/channels.js';
import { app, FakeWebContents, ipcMain, resetElectron, safeStorage, shell } from '../mocks/electron.js';

let trusted: FakeWebContents;
const notify = vi.fn(() => true);

beforeEach(() => {
  resetElectron();
  app.userData = mkdtempSync(join(tmpdir(), 'console-'));
  trusted = new FakeWebContents();
  notify.mockClear();
  registerIpc({ trustedContents: () => [trusted as never], notify });
});

/** Calls a handler the way Electron would, from `sender`'s frame at `url`. */
function invoke(
  channel: string,
  args: unknown[],
  sender = trusted,
  frame: { url?: string; parent?: unknown } = {},
) {
  const handler = ipcMain.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  const senderFrame = { url: frame.url ?? 'app://console/index.html', parent: frame.parent ?? null };
  return handler({ sender, senderFrame }, ...args);
}

describe('IPC allow-list', () => {
  it('registers exactly the listed channels', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  it.each(INVOKE_CHANNELS)('%s refuses other web contents, subframes and foreign pages', async (channel) => {
    expect(() => invoke(channel, [], new FakeWebContents())).toThrow(/refused/);
    expect(() => invoke(channel, [], trusted, { parent: {} })).toThrow(/refused/);
    expect(() => invoke(channel, [], trusted, { url: 'https://evil.example/' })).toThrow(/refused/);
    expect(() => invoke(channel, [], trusted, { url: 'file:///app/index.html' })).toThrow(/refused/);
  });

  it.each(INVOKE_CHANNELS)('%s refuses the widget preview frame, wherever it sits', async (channel) => {
    const mainFrame = { url: 'app://console/index.html#/keys', parent: null };
    // The preview as the console frames it: the server's page, a subframe of the console.
    const preview = 'http://127.0.0.1:3000/widget/preview#event=e&key=pv_x';
    expect(() => invoke(channel, [], trusted, { url: preview, parent: mainFrame })).toThrow(/refused/);
    // Even as a top frame (had it navigated the window), and as any app file but the console page.
    expect(() => invoke(channel, [], trusted, { url: preview })).toThrow(/refused/);
    expect(() => invoke(channel, [], trusted, { url: 'app://console/preview.html#server=x' })).toThrow(
      /refused/,
    );
    expect(() => invoke(channel, [], trusted, { url: 'app://console/assets/index.js' })).toThrow(/refused/);
  });

  it('trusts the console page on any of its screens', async () => {
    expect(await invoke(IpcChannel.getServerUrl, [], trusted, { url: 'app://console/' })).toBeNull();
    expect(
      await invoke(IpcChannel.getServerUrl, [], trusted, { url: 'app://console/index.html#/keys' }),
    ).toBeNull();
  });

  it('refuses a sender without a frame (e.g. a destroyed one)', () => {
    const handler = ipcMain.handlers.get(IpcChannel.getToken)!;
    expect(() => handler({ sender: trusted, senderFrame: null })).toThrow(/refused/);
  });
});

describe('session token', () => {
  it('is stored encrypted with safeStorage and read back', async () => {
    await invoke(IpcChannel.setToken, ['secret-session-token']);
    const onDisk = readFileSync(join(app.userData, 'session.bin'), 'utf8');
    expect(onDisk).not.toContain('secret-session-token');
    expect(await invoke(IpcChannel.getToken, [])).toBe('secret-session-token');
    await invoke(IpcChannel.clearToken, []);
    expect(existsSync(join(app.userData, 'session.bin'))).toBe(false);
    expect(await invoke(IpcChannel.getToken, [])).toBeNull();
  });

  it('is never written in plain text when the OS offers no encryption', async () => {
    safeStorage.available = false;
    await invoke(IpcChannel.setToken, ['kept-in-memory']);
    expect(existsSync(join(app.userData, 'session.bin'))).toBe(false);
    expect(await invoke(IpcChannel.getToken, [])).toBe('kept-in-memory');
    await invoke(IpcChannel.clearToken, []);
  });

  it('rejects a token that is not a string', () => {
    expect(() => invoke(IpcChannel.setToken, [{ token: 'x' }])).toThrow(TypeError);
  });
});

describe('settings and actions', () => {
  it('remembers a valid server URL and refuses anything else', async () => {
    expect(await invoke(IpcChannel.getServerUrl, [])).toBeNull();
    await invoke(IpcChannel.setServerUrl, ['https://tickets.example.com/']);
    expect(await invoke(IpcChannel.getServerUrl, [])).toBe('https://tickets.example.com');
    for (const bad of ['javascript:alert(1)', 'file:///etc', 'https://x.example/path', 7])
      expect(() => invoke(IpcChannel.setServerUrl, [bad])).toThrow(TypeError);
  });

  it('passes only well-formed notifications on', async () => {
    expect(await invoke(IpcChannel.notify, [{ title: 'New booking', body: 'Ada, 2 seats' }])).toBe(true);
    expect(notify).toHaveBeenCalledWith({ title: 'New booking', body: 'Ada, 2 seats' });
    expect(await invoke(IpcChannel.notify, ['hello'])).toBe(false);
    expect(notify).toHaveBeenCalledTimes(1);
  });

  it('opens only http(s) links externally', async () => {
    expect(await invoke(IpcChannel.openExternal, ['file:///etc/passwd'])).toBe(false);
    expect(await invoke(IpcChannel.openExternal, ['https://example.com/'])).toBe(true);
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
  });
});
