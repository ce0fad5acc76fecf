/**
 * The app's life cycle. One instance per user: a second launch focuses the first window instead of
 * opening another session.
 */
import { join } from 'node:path';
import { app, BrowserWindow } from 'electron';
import { registerIpc } from './ipc.js';
import { installMenu } from './menu.js';
import { notifyInBackground } from './notify.js';
import { handleAppProtocol, registerAppScheme } from './protocol.js';
import { installSecurity } from './security.js';
import { createMainWindow } from './window.js';

export function start(): void {
  let mainWindow: BrowserWindow | null = null;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  installSecurity();
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  void app.whenReady().then(() => {
    const root = app.getAppPath();
    handleAppProtocol(join(root, 'dist', 'renderer'));
    registerIpc({
      trustedContents: () => BrowserWindow.getAllWindows().map((window) => window.webContents),
      notify: (notification) => notifyInBackground(mainWindow, notification),
    });
    const open = () => {
      mainWindow = createMainWindow(join(root, 'dist', 'preload', 'preload.cjs'));
      mainWindow.on('closed', () => {
        mainWindow = null;
      });
    };
    installMenu(() => mainWindow);
    open();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open();
    });
  });
}
