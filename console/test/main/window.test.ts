import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { saveSettings } from '../../src/main/settings.js';
import { createMainWindow, restorableBounds } from '../../src/main/window.js';
import { app, type FakeBrowserWindow, resetElectron, screen } from '../mocks/electron.js';

beforeEach(() => {
  resetElectron();
  app.userData = mkdtempSync(join(tmpdir(), 'console-'));
});

describe('the main window', () => {
  it('is isolated, sandboxed and has no Node, with the preload as its only bridge', () => {
    const window = createMainWindow('/app/dist/preload/preload.cjs') as unknown as FakeBrowserWindow;
    expect(window.options.webPreferences).toEqual({
      preload: '/app/dist/preload/preload.cjs',
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
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('loads the app protocol, not file://, and shows only when ready', () => {
    const window = createMainWindow('/p.cjs') as unknown as FakeBrowserWindow;
    expect(window.loadedUrl).toBe('app://console/index.html');
    expect(window.options.show).toBe(false);
    expect(window.shown).toBe(false);
    window.emit('ready-to-show');
    expect(window.shown).toBe(true);
  });

  it('remembers its bounds across restarts', () => {
    const first = createMainWindow('/p.cjs') as unknown as FakeBrowserWindow;
    first.bounds = { x: 100, y: 50, width: 1000, height: 700 };
    first.maximized = true;
    first.emit('close');
    const saved = JSON.parse(readFileSync(join(app.userData, 'settings.json'), 'utf8'));
    expect(saved.windowBounds).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: true });
    const second = createMainWindow('/p.cjs') as unknown as FakeBrowserWindow;
    expect(second.options).toMatchObject({ x: 100, y: 50, width: 1000, height: 700 });
    expect(second.maximized).toBe(true);
  });

  it('ignores saved bounds on a display that is gone', () => {
    saveSettings({ windowBounds: { x: 5000, y: 5000, width: 1000, height: 700 } });
    const window = createMainWindow('/p.cjs') as unknown as FakeBrowserWindow;
    expect(window.options).toMatchObject({ width: 1280, height: 820 });
    expect(window.options.x).toBeUndefined();
  });

  it('restorableBounds rejects tiny or off-screen windows', () => {
    const displays = screen.displays.map((d) => d.workArea);
    expect(restorableBounds({ x: 0, y: 0, width: 100, height: 100 }, displays)).toBeNull();
    expect(restorableBounds({ x: -2000, y: 0, width: 800, height: 600 }, displays)).toBeNull();
    expect(restorableBounds({ x: 1800, y: 0, width: 800, height: 600 }, displays)).not.toBeNull();
  });
});
