/**
 * The IPC allow-list. Each channel has one handler and every call is checked: it must come from the
 * top frame of a window this app created, showing the console's own page. Anything else is refused
 * before the handler runs, so a compromised iframe (the widget preview is one, on the server's
 * origin), another app file or a navigated page cannot reach the token.
 */
import { type IpcMainInvokeEvent, ipcMain, type WebContents } from 'electron';
import { type DesktopNotification, INVOKE_CHANNELS, IpcChannel } from '../shared-ipc/channels.js';
import { isConsolePage, normaliseServerUrl } from '../shared-ipc/urls.js';
import { openExternalSafely } from './security.js';
import { loadSettings, saveSettings } from './settings.js';
import { clearToken, readToken, writeToken } from './token-store.js';

export class IpcSenderRejected extends Error {}

/** True when the call comes from the top frame of `trusted` web contents showing the console page. */
export function isTrustedSender(event: IpcMainInvokeEvent, trusted: () => Iterable<WebContents>): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (!isConsolePage(frame.url)) return false;
  for (const contents of trusted()) if (contents === event.sender) return true;
  return false;
}

export interface IpcDeps {
  trustedContents: () => Iterable<WebContents>;
  notify: (notification: DesktopNotification) => boolean;
}

const asNotification = (value: unknown): DesktopNotification | null => {
  if (!value || typeof value !== 'object') return null;
  const { title, body } = value as Record<string, unknown>;
  if (typeof title !== 'string' || typeof body !== 'string') return null;
  return { title: title.slice(0, 200), body: body.slice(0, 1_000) };
};

export function ipcHandlers(deps: IpcDeps): Record<IpcChannel, (...args: unknown[]) => unknown> {
  return {
    [IpcChannel.getToken]: () => readToken(),
    [IpcChannel.setToken]: (token) => {
      if (typeof token !== 'string' || token.length === 0 || token.length > 4_096)
        throw new TypeError('bad token');
      writeToken(token);
    },
    [IpcChannel.clearToken]: () => clearToken(),
    [IpcChannel.getServerUrl]: () => loadSettings().serverUrl ?? null,
    [IpcChannel.setServerUrl]: (url) => {
      const serverUrl = normaliseServerUrl(url);
      if (!serverUrl) throw new TypeError('server URL must be an http(s) origin');
      saveSettings({ serverUrl });
    },
    [IpcChannel.notify]: (value) => {
      const notification = asNotification(value);
      return notification ? deps.notify(notification) : false;
    },
    [IpcChannel.openExternal]: (url) => openExternalSafely(url),
  };
}

export function registerIpc(deps: IpcDeps): void {
  const handlers = ipcHandlers(deps);
  for (const channel of INVOKE_CHANNELS) {
    const handler = handlers[channel];
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (!isTrustedSender(event, deps.trustedContents)) throw new IpcSenderRejected(`refused ${channel}`);
      return handler(...args);
    });
  }
}
