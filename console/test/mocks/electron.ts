/**
 * A fake of the parts of Electron the main process and preload use. Tests drive it like Electron
 * would (emit app and web-contents events, call IPC handlers with a chosen sender) and read back
 * what the code did. `resetElectron()` gives every test a fresh world.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  id = FakeWebContents.nextId++;
  url = 'app://console/index.html';
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  sent: { channel: string; args: unknown[] }[] = [];
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }) {
    this.windowOpenHandler = handler;
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  getURL() {
    return this.url;
  }
  /** Emits a cancellable event the way Electron does; returns whether it was prevented. */
  emitCancellable(name: string, ...args: unknown[]): boolean {
    let prevented = false;
    const event = { preventDefault: () => (prevented = true) };
    this.emit(name, event, ...args);
    return prevented;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static windows: FakeBrowserWindow[] = [];
  static getAllWindows() {
    return FakeBrowserWindow.windows.filter((w) => !w.destroyed);
  }
  webContents = new FakeWebContents();
  loadedUrl: string | null = null;
  shown = false;
  focused = false;
  minimized = false;
  maximized = false;
  destroyed = false;
  bounds = { x: 10, y: 20, width: 1200, height: 800 };
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string) {
    this.loadedUrl = url;
    this.webContents.url = url;
    return Promise.resolve();
  }
  show() {
    this.shown = true;
  }
  focus() {
    this.focused = true;
  }
  isFocused() {
    return this.focused;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  maximize() {
    this.maximized = true;
  }
  isMaximized() {
    return this.maximized;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getNormalBounds() {
    return this.bounds;
  }
}

class FakeApp extends EventEmitter {
  userData = '';
  appPath = '/app';
  isPackaged = false;
  hasLock = true;
  quit = vi.fn();
  private resolveReady: () => void = () => {};
  private ready = new Promise<void>((resolve) => {
    this.resolveReady = resolve;
  });
  getPath(name: string) {
    if (name !== 'userData') throw new Error(`unexpected path ${name}`);
    return this.userData;
  }
  getAppPath() {
    return this.appPath;
  }
  requestSingleInstanceLock() {
    return this.hasLock;
  }
  whenReady() {
    return this.ready;
  }
  reset() {
    this.removeAllListeners();
    this.userData = '';
    this.appPath = '/app';
    this.isPackaged = false;
    this.hasLock = true;
    this.quit.mockClear();
    this.ready = new Promise<void>((resolve) => {
      this.resolveReady = resolve;
    });
  }
  /** Test helper: Electron finished starting. */
  becomeReady() {
    this.resolveReady();
    return this.ready;
  }
}

export const app = new FakeApp();

export const ipcMain = {
  handlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  },
};

export const ipcRenderer = {
  invoke: vi.fn(async (..._args: unknown[]) => undefined as unknown),
  listeners: new Map<string, Set<(...args: unknown[]) => void>>(),
  on(channel: string, listener: (...args: unknown[]) => void) {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
    return this;
  },
  removeListener(channel: string, listener: (...args: unknown[]) => void) {
    this.listeners.get(channel)?.delete(listener);
    return this;
  },
};

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown) {
    this.exposed.set(key, api);
  },
};

/** Reversible, but never the plain text: enough to check that the token is not stored readable. */
export const safeStorage = {
  available: true,
  isEncryptionAvailable() {
    return this.available;
  },
  encryptString(text: string) {
    return Buffer.from(`enc:${Buffer.from(text).toString('base64').split('').reverse().join('')}`);
  },
  decryptString(buffer: Buffer) {
    const text = buffer.toString();
    if (!text.startsWith('enc:')) throw new Error('not encrypted');
    return Buffer.from(text.slice(4).split('').reverse().join(''), 'base64').toString();
  },
};

export const shell = { openExternal: vi.fn(async (_url: string) => {}) };

type PermissionRequestHandler = (
  contents: FakeWebContents,
  permission: string,
  callback: (granted: boolean) => void,
  details: { requestingUrl?: string },
) => void;

export const session = {
  defaultSession: {
    permissionRequestHandler: null as PermissionRequestHandler | null,
    permissionCheckHandler: null as
      | ((contents: unknown, permission: string, origin: string) => boolean)
      | null,
    deviceHandler: null as (() => boolean) | null,
    setPermissionRequestHandler(handler: PermissionRequestHandler) {
      this.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: (contents: unknown, permission: string, origin: string) => boolean) {
      this.permissionCheckHandler = handler;
    },
    setDevicePermissionHandler(handler: () => boolean) {
      this.deviceHandler = handler;
    },
  },
};

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, (request: { url: string }) => Promise<Response>>(),
  registerSchemesAsPrivileged(schemes: unknown[]) {
    this.privileged.push(...schemes);
  },
  handle(scheme: string, handler: (request: { url: string }) => Promise<Response>) {
    this.handlers.set(scheme, handler);
  },
};

export const screen = {
  displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
  getAllDisplays() {
    return this.displays;
  },
};

export const Menu = {
  current: null as { template: unknown[] } | null,
  buildFromTemplate(template: unknown[]) {
    return { template };
  },
  setApplicationMenu(menu: { template: unknown[] }) {
    this.current = menu;
  },
};

export class Notification extends EventEmitter {
  static shown: Notification[] = [];
  static isSupported() {
    return true;
  }
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  show() {
    Notification.shown.push(this);
  }
}

export function resetElectron(): void {
  app.reset();
  FakeBrowserWindow.windows = [];
  ipcMain.handlers.clear();
  ipcRenderer.invoke.mockClear();
  ipcRenderer.listeners.clear();
  contextBridge.exposed.clear();
  safeStorage.available = true;
  shell.openExternal.mockClear();
  session.defaultSession.permissionRequestHandler = null;
  session.defaultSession.permissionCheckHandler = null;
  protocol.privileged = [];
  protocol.handlers.clear();
  Menu.current = null;
  Notification.shown = [];
}

export const BrowserWindow = FakeBrowserWindow;
export default {
  app,
  BrowserWindow,
  ipcMain,
  ipcRenderer,
  contextBridge,
  safeStorage,
  shell,
  session,
  protocol,
  screen,
  Menu,
  Notification,
};
