/**
 * The organizer's session token, encrypted with the OS keychain through `safeStorage`. When the OS
 * offers no encryption (e.g. Linux without a keyring) the token stays in memory for this run only:
 * writing it in plain text would let any local process reuse the session.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { app, safeStorage } from 'electron';

const file = () => join(app.getPath('userData'), 'session.bin');
let memoryToken: string | null = null;

export function readToken(): string | null {
  if (memoryToken) return memoryToken;
  if (!safeStorage.isEncryptionAvailable()) return null;
  try {
    memoryToken = safeStorage.decryptString(readFileSync(file()));
    return memoryToken;
  } catch {
    return null;
  }
}

export function writeToken(token: string): void {
  memoryToken = token;
  if (!safeStorage.isEncryptionAvailable()) return;
  writeFileSync(file(), safeStorage.encryptString(token), { mode: 0o600 });
}

export function clearToken(): void {
  memoryToken = null;
  rmSync(file(), { force: true });
}
