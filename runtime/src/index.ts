export { nonBlockingStdout } from './log-destination.js';
export { armShutdownWatchdog } from './shutdown-watchdog.js';
