import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBridge } from '../../src/preload/bridge.js';
import { IpcChannel, MENU_NAVIGATE } from '../../src/shared-ipc/channels.js';
import { contextBridge, ipcRenderer, resetElectron } from '../mocks/electron.js';

let exposed: Map<string, unknown>;
beforeAll(async () => {
  resetElectron();
  await import('../../src/preload/preload.js');
  exposed = new Map(contextBridge.exposed);
});
beforeEach(() => ipcRenderer.invoke.mockClear());

describe('preload', () => {
  it('exposes one bridge of named functions, never ipcRenderer', async () => {
    expect([...exposed.keys()]).toEqual(['happening']);
    const bridge = exposed.get('happening') as Record<string, unknown>;
    for (const [key, value] of Object.entries(bridge)) {
      expect(value === 'desktop' || typeof value === 'function', key).toBe(true);
      expect(value).not.toBe(ipcRenderer);
      expect(value).not.toBe(ipcRenderer.invoke);
    }
  });

  it('maps each function to its channel with plain arguments', async () => {
    const bridge = createBridge(ipcRenderer as never) as unknown as Record<
      string,
      (...args: unknown[]) => unknown
    >;
    await bridge.setToken!('t');
    await bridge.setServerUrl!('http://localhost:3000');
    await bridge.notify!({ title: 'a', body: 'b', extra: 'dropped' });
    await bridge.openExternal!('https://example.com');
    expect(ipcRenderer.invoke.mock.calls).toEqual([
      [IpcChannel.setToken, 't'],
      [IpcChannel.setServerUrl, 'http://localhost:3000'],
      [IpcChannel.notify, { title: 'a', body: 'b' }],
      [IpcChannel.openExternal, 'https://example.com'],
    ]);
  });

  it('relays menu navigation without the IPC event, only for known screens, until unsubscribed', async () => {
    ipcRenderer.listeners.clear();
    const bridge = createBridge(ipcRenderer as never) as unknown as {
      onNavigate(listener: (...args: unknown[]) => void): () => void;
    };
    const seen: unknown[][] = [];
    const unsubscribe = bridge.onNavigate((...args) => seen.push(args));
    const emit = (screen: unknown) => {
      for (const listener of ipcRenderer.listeners.get(MENU_NAVIGATE) ?? [])
        listener({ sender: 'secret' }, screen);
    };
    emit('queues');
    emit('../../etc');
    expect(seen).toEqual([['queues']]);
    unsubscribe();
    emit('events');
    expect(seen).toHaveLength(1);
  });
});
