/** Native notifications, only while the organizer is looking elsewhere. */
import { type BrowserWindow, Notification } from 'electron';
import type { DesktopNotification } from '../shared-ipc/channels.js';

export function notifyInBackground(window: BrowserWindow | null, notification: DesktopNotification): boolean {
  if (!window || window.isDestroyed() || window.isFocused()) return false;
  if (!Notification.isSupported()) return false;
  const native = new Notification({ title: notification.title, body: notification.body, silent: false });
  native.on('click', () => {
    if (window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  native.show();
  return true;
}
