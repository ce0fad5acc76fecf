/**
 * The whole bridge between the page and the main process: a few named functions on
 * `window.happening`. `ipcRenderer` itself never crosses the bridge, so the page cannot pick a
 * channel, and listeners never see the IPC event (which carries `sender`).
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import {
  type DesktopNotification,
  type HappeningBridge,
  IpcChannel,
  MENU_NAVIGATE,
  SCREENS,
  type Screen,
} from '../shared-ipc/channels.js';

export function createBridge(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): HappeningBridge {
  return {
    platform: 'desktop',
    getToken: () => ipc.invoke(IpcChannel.getToken),
    setToken: (token: string) => ipc.invoke(IpcChannel.setToken, String(token)),
    clearToken: () => ipc.invoke(IpcChannel.clearToken),
    getServerUrl: () => ipc.invoke(IpcChannel.getServerUrl),
    setServerUrl: (url: string) => ipc.invoke(IpcChannel.setServerUrl, String(url)),
    notify: (notification: DesktopNotification) =>
      ipc.invoke(IpcChannel.notify, { title: String(notification.title), body: String(notification.body) }),
    openExternal: (url: string) => ipc.invoke(IpcChannel.openExternal, String(url)),
    onNavigate(listener: (screen: Screen) => void) {
      const relay = (_event: IpcRendererEvent, screen: unknown) => {
        if (SCREENS.includes(screen as Screen)) listener(screen as Screen);
      };
      ipc.on(MENU_NAVIGATE, relay);
      // An AbortSignal would arrive as a plain copy across the context bridge; a function is proxied.
      return () => {
        ipc.removeListener(MENU_NAVIGATE, relay);
      };
    },
  };
}
