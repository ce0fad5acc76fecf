/** Electron entry point (bundled to dist/main/main.cjs). */
import { start } from './main.js';

start();
