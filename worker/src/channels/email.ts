import { permanentFailure, recoverableFailure } from '@happening/delivery';
import type { PersonalNotificationMessage } from '@happening/shared';
import type { WorkerConfig } from '../config.js';
import { prepareMail } from './prepared-mail.js';
import { SmtpPool } from './smtp-pool.js';

/** SMTP error → what to do: 4xx and network trouble are temporary; 5xx means this mail is refused. */
export function classifySmtpError(error: unknown) {
  const { responseCode, code, message } = error as { responseCode?: number; code?: string; message?: string };
  const text = `SMTP ${responseCode ?? code ?? 'error'}: ${message ?? String(error)}`;
  if (typeof responseCode === 'number' && responseCode >= 500) return permanentFailure(text);
  if (code === 'EENVELOPE' && responseCode === undefined) return permanentFailure(text); // no valid recipient
  return recoverableFailure(text);
}

/** The worker's SMTP pool as its settings say (`SMTP_URL`, `SMTP_POOL_*`, `SMTP_TIMEOUT_MS`, `SMTP_SEND_DEADLINE_MS`). */
export function smtpPoolFor(config: WorkerConfig): SmtpPool {
  return new SmtpPool({
    url: config.SMTP_URL,
    connections: config.SMTP_POOL_CONNECTIONS,
    maxMessages: config.SMTP_POOL_MAX_MESSAGES,
    timeoutMs: config.SMTP_TIMEOUT_MS,
    deadlineMs: config.SMTP_SEND_DEADLINE_MS,
  });
}

/**
 * Email through the worker's SMTP pool (`smtp-pool.ts`), each mail prepared raw MIME
 * (`prepared-mail.ts`): rendered and built once, sent as those bytes.
 */
export class EmailChannel {
  private readonly pool: SmtpPool;

  constructor(private readonly config: WorkerConfig) {
    this.pool = smtpPoolFor(config);
  }

  async send(message: PersonalNotificationMessage): Promise<void> {
    const { envelope, raw } = await prepareMail(message, this.config.SMTP_FROM);
    try {
      await this.pool.send(envelope, raw);
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  close(): void {
    this.pool.close();
  }
}
