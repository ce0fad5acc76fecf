/**
 * The only IPC channels between the renderer and the main process. The main process registers a
 * handler for exactly these and the preload exposes exactly these, so a new channel is a
 * deliberate change in one place.
 */
export const IpcChannel = {
  getToken: 'session:get-token',
  setToken: 'session:set-token',
  clearToken: 'session:clear-token',
  getServerUrl: 'settings:get-server-url',
  setServerUrl: 'settings:set-server-url',
  notify: 'notify:show',
  openExternal: 'shell:open-external',
} as const;
export type IpcChannel = (typeof IpcChannel)[keyof typeof IpcChannel];

export const INVOKE_CHANNELS: readonly IpcChannel[] = Object.values(IpcChannel);

/** Main → renderer: a menu item or shortcut asks the renderer to show a screen. */
export const MENU_NAVIGATE = 'menu:navigate';

export const SCREENS = ['events', 'bookings', 'queues', 'members', 'keys', 'inbox', 'webhooks'] as const;
export type Screen = (typeof SCREENS)[number];

export interface DesktopNotification {
  title: string;
  body: string;
}

/** What the preload exposes on `window.happening` in the desktop app (absent in a browser). */
export interface HappeningBridge {
  readonly platform: 'desktop';
  getToken(): Promise<string | null>;
  setToken(token: string): Promise<void>;
  clearToken(): Promise<void>;
  getServerUrl(): Promise<string | null>;
  setServerUrl(url: string): Promise<void>;
  /** Shows a native notification, only while the window is in the background. */
  notify(notification: DesktopNotification): Promise<boolean>;
  openExternal(url: string): Promise<boolean>;
  /** Calls `listener` when the menu asks for a screen; the returned function unsubscribes. */
  onNavigate(listener: (screen: Screen) => void): () => void;
}
