/**
 * Small preferences that survive restarts: the server URL and the window's bounds. A JSON file in
 * the user-data folder; a damaged file means defaults, never a crash.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { app } from 'electron';
import { normaliseServerUrl } from '../shared-ipc/urls.js';

export interface WindowBounds {
  x: number;
  y: number;
  width: number;
  height: number;
  maximized?: boolean;
}

export interface Settings {
  serverUrl?: string;
  windowBounds?: WindowBounds;
}

const file = () => join(app.getPath('userData'), 'settings.json');

function isBounds(value: unknown): value is WindowBounds {
  if (!value || typeof value !== 'object') return false;
  const b = value as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every((key) => Number.isFinite(b[key]));
}

export function loadSettings(): Settings {
  try {
    const raw = JSON.parse(readFileSync(file(), 'utf8')) as Record<string, unknown>;
    const settings: Settings = {};
    const serverUrl = normaliseServerUrl(raw.serverUrl);
    if (serverUrl) settings.serverUrl = serverUrl;
    if (isBounds(raw.windowBounds)) settings.windowBounds = raw.windowBounds;
    return settings;
  } catch {
    return {};
  }
}

export function saveSettings(change: Partial<Settings>): Settings {
  const next = { ...loadSettings(), ...change };
  writeFileSync(file(), JSON.stringify(next, null, 2), { mode: 0o600 });
  return next;
}
