/**
 * What differs between the desktop app and a browser: where the session token lives and how
 * notifications reach the organizer. In Electron the preload's bridge is on `window.happening`;
 * in a browser the token stays in this tab's sessionStorage.
 */
import type { DesktopNotification, HappeningBridge, Screen } from '../../shared-ipc/channels.js';

declare global {
  interface Window {
    happening?: HappeningBridge;
  }
}

export const DEFAULT_SERVER_URL = 'http://localhost:3000';
const TOKEN_KEY = 'happening.console.token';
const SERVER_KEY = 'happening.console.server';

const bridge = (): HappeningBridge | undefined => globalThis.window?.happening;

export const platform = {
  isDesktop: (): boolean => bridge()?.platform === 'desktop',
  async getToken(): Promise<string | null> {
    const desktop = bridge();
    return desktop ? desktop.getToken() : sessionStorage.getItem(TOKEN_KEY);
  },
  async setToken(token: string): Promise<void> {
    const desktop = bridge();
    if (desktop) await desktop.setToken(token);
    else sessionStorage.setItem(TOKEN_KEY, token);
  },
  async clearToken(): Promise<void> {
    const desktop = bridge();
    if (desktop) await desktop.clearToken();
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  async getServerUrl(): Promise<string> {
    const desktop = bridge();
    const saved = desktop ? await desktop.getServerUrl() : localStorage.getItem(SERVER_KEY);
    return saved ?? DEFAULT_SERVER_URL;
  },
  async setServerUrl(url: string): Promise<void> {
    const desktop = bridge();
    if (desktop) await desktop.setServerUrl(url);
    else localStorage.setItem(SERVER_KEY, url);
  },
  /** Native notification in the desktop app while the window is in the background. */
  notify(notification: DesktopNotification): void {
    const desktop = bridge();
    if (desktop) void desktop.notify(notification);
    else if (document.hidden && 'Notification' in globalThis && Notification.permission === 'granted')
      new Notification(notification.title, { body: notification.body });
  },
  onMenuNavigate(listener: (screen: Screen) => void): () => void {
    return bridge()?.onNavigate(listener) ?? (() => {});
  },
};
