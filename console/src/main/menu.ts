/** The app menu: every screen one shortcut away, standard edit and window roles. */
import { app, type BrowserWindow, Menu, type MenuItemConstructorOptions } from 'electron';
import { MENU_NAVIGATE, type Screen } from '../shared-ipc/channels.js';
import { openExternalSafely } from './security.js';

const SCREEN_ITEMS: { screen: Screen; label: string }[] = [
  { screen: 'events', label: 'Events' },
  { screen: 'bookings', label: 'Bookings' },
  { screen: 'queues', label: 'Queue stats' },
  { screen: 'members', label: 'Members' },
  { screen: 'keys', label: 'Keys and embedding' },
  { screen: 'inbox', label: 'Notifications' },
  { screen: 'webhooks', label: 'Webhooks' },
];

export function menuTemplate(
  window: () => BrowserWindow | null,
  options: { isMac: boolean; devTools: boolean },
): MenuItemConstructorOptions[] {
  const go: MenuItemConstructorOptions[] = SCREEN_ITEMS.map(({ screen, label }, index) => ({
    label,
    accelerator: `CmdOrCtrl+${index + 1}`,
    click: () => window()?.webContents.send(MENU_NAVIGATE, screen),
  }));
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    ...(options.devTools ? [{ role: 'toggleDevTools' } as const] : []),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(options.isMac ? [{ role: 'appMenu' } as const] : []),
    { label: 'File', submenu: [options.isMac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    { label: 'Go', submenu: go },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'Happening on the web',
          click: () => void openExternalSafely('https://github.com/'),
        },
      ],
    },
  ];
}

export function installMenu(window: () => BrowserWindow | null): void {
  const template = menuTemplate(window, { isMac: process.platform === 'darwin', devTools: !app.isPackaged });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
