/**
 * Preload of every window (sandboxed: it may only require 'electron'; the rest is bundled in).
 * Exposes the bridge, nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld('happening', createBridge(ipcRenderer));
