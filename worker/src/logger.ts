import { nonBlockingStdout } from '@happening/runtime';
import { pino } from 'pino';
import type { WorkerConfig } from './config.js';

export function createLogger(config: Pick<WorkerConfig, 'LOG_LEVEL'>) {
  if (config.LOG_LEVEL === 'silent') return pino({ enabled: false });
  return pino({ name: 'worker', level: config.LOG_LEVEL }, nonBlockingStdout());
}
