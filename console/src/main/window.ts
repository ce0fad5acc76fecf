/**
 * The main window: hidden until its first paint, restored to where the organizer left it, bounds
 * saved when it closes.
 */
import { BrowserWindow, type Rectangle, screen } from 'electron';
import { APP_ORIGIN } from '../shared-ipc/urls.js';
import { loadSettings, saveSettings, type WindowBounds } from './settings.js';

const DEFAULT_SIZE = { width: 1280, height: 820 };

/** Saved bounds only when they still overlap a connected display (monitors come and go). */
export function restorableBounds(
  saved: WindowBounds | undefined,
  displays: Rectangle[],
): WindowBounds | null {
  if (!saved || saved.width < 400 || saved.height < 300) return null;
  const visible = displays.some(
    (area) =>
      saved.x < area.x + area.width &&
      saved.x + saved.width > area.x &&
      saved.y < area.y + area.height &&
      saved.y + saved.height > area.y,
  );
  return visible ? saved : null;
}

export function createMainWindow(preload: string): BrowserWindow {
  const saved = restorableBounds(
    loadSettings().windowBounds,
    screen.getAllDisplays().map((display) => display.workArea),
  );
  const window = new BrowserWindow({
    ...(saved ? { x: saved.x, y: saved.y, width: saved.width, height: saved.height } : DEFAULT_SIZE),
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Happening Console',
    backgroundColor: '#f6f7f9',
    // Written out here, not built by a helper, so reviewers and electronegativity see every flag.
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // Middle-click would open links in new windows without going through the open handler.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  if (saved?.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => {
    saveSettings({ windowBounds: { ...window.getNormalBounds(), maximized: window.isMaximized() } });
  });
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}
