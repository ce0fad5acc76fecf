import { pino } from 'pino';
import type { WorkerConfig } from './config.js';

export function createLogger(config: Pick<WorkerConfig, 'LOG_LEVEL'>) {
  return pino({ name: 'worker', level: config.LOG_LEVEL, enabled: config.LOG_LEVEL !== 'silent' });
}
