import { permanentFailure, recoverableFailure } from '@happening/delivery';
import type { PersonalNotificationMessage } from '@happening/shared';
import nodemailer, { type Transporter } from 'nodemailer';
import type { WorkerConfig } from '../config.js';
import { prepareMail } from './prepared-mail.js';

/** SMTP error → what to do: 4xx and network trouble are temporary; 5xx means this mail is refused. */
export function classifySmtpError(error: unknown) {
  const { responseCode, code, message } = error as { responseCode?: number; code?: string; message?: string };
  const text = `SMTP ${responseCode ?? code ?? 'error'}: ${message ?? String(error)}`;
  if (typeof responseCode === 'number' && responseCode >= 500) return permanentFailure(text);
  if (code === 'EENVELOPE' && responseCode === undefined) return permanentFailure(text); // no valid recipient
  return recoverableFailure(text);
}

/**
 * Email through one pooled SMTP connection set (nodemailer), each mail sent as prepared raw MIME
 * (`prepared-mail.ts`): rendered and built once, not composed again while streaming.
 */
export class EmailChannel {
  private readonly transport: Transporter;

  constructor(private readonly config: WorkerConfig) {
    this.transport = nodemailer.createTransport({
      url: config.SMTP_URL,
      pool: true as const,
      maxConnections: config.SMTP_POOL_CONNECTIONS,
      maxMessages: config.SMTP_POOL_MAX_MESSAGES,
      connectionTimeout: config.SMTP_TIMEOUT_MS,
      greetingTimeout: config.SMTP_TIMEOUT_MS,
      socketTimeout: config.SMTP_TIMEOUT_MS,
    });
  }

  async send(message: PersonalNotificationMessage): Promise<void> {
    const { envelope, raw } = await prepareMail(message, this.config.SMTP_FROM);
    try {
      await this.transport.sendMail({ envelope, raw });
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  close(): void {
    this.transport.close();
  }
}
