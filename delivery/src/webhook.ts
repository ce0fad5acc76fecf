import http from 'node:http';
import https from 'node:https';
import type { NotificationMessage } from '@happening/shared';
import { Webhook } from 'standardwebhooks';
import { type DeliveryFailure, permanentFailure, recoverableFailure } from './failures.js';
import { assertTargetAllowed, BlockedAddressError, guardedLookup } from './network-guard.js';

export interface WebhookTarget {
  id: string;
  url: string;
  secret: string;
  /** Still signs during the grace period after a rotation. */
  previousSecret: string | null;
}

/** What an endpoint receives: the Standard Webhooks body (type, timestamp, data) and its id. */
export interface WebhookEvent {
  /** `webhook-id`: the notification id, the same on every retry, so receivers can deduplicate. */
  id: string;
  type: string;
  timestamp: string;
  data: unknown;
}

/**
 * The message as the organization's endpoints see it. An invitation's accept link is for the
 * invitee's mailbox only: its token creates the invited account (an admin's, possibly), and a
 * webhook receiver (a partner's backend, an automation service, its logs) must not be able to.
 */
export function webhookData(message: NotificationMessage): unknown {
  if (message.type !== 'invitation_received') return message;
  const { acceptUrl: _forTheInviteeOnly, ...rest } = message;
  return rest;
}

export function webhookEvent(message: NotificationMessage): WebhookEvent {
  return { id: message.id, type: message.type, timestamp: message.occurredAt, data: webhookData(message) };
}

export function webhookPayload(event: WebhookEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}

/**
 * Standard Webhooks signature header: one `v1,<base64>` per secret, space-separated, so a
 * receiver holding either the new or the previous secret verifies it.
 */
export function signatureHeader(target: WebhookTarget, messageId: string, at: Date, payload: string): string {
  return [target.secret, target.previousSecret]
    .filter((secret): secret is string => Boolean(secret))
    .map((secret) => new Webhook(secret).sign(messageId, at, payload))
    .join(' ');
}

/** A refused target as its delivery records it: the guard's code, then its reason. */
function refusedText(error: Error): string {
  const code = error instanceof BlockedAddressError ? ` (${error.code})` : '';
  return `webhook URL refused${code}: ${error.message}`;
}

/** 2xx delivered; 408, 429 and 5xx are worth retrying; any other answer refuses this message. */
export function classifyStatus(status: number): DeliveryFailure | null {
  if (status >= 200 && status < 300) return null;
  const text = `webhook answered HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) return recoverableFailure(text);
  return permanentFailure(status >= 300 && status < 400 ? `${text} (redirects are not followed)` : text);
}

/** The two settings of the worker's and the server's configuration that a sender reads. */
export interface WebhookSettings {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean;
  WEBHOOK_TIMEOUT_MS: number;
}

/** Signed POSTs to customer endpoints: the worker's deliveries and the server's test events. */
export class WebhookChannel {
  private readonly lookup;

  constructor(private readonly config: WebhookSettings) {
    this.lookup = guardedLookup(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS);
  }

  send(target: WebhookTarget, message: NotificationMessage): Promise<number> {
    return this.deliver(target, webhookEvent(message));
  }

  /** Resolves with the HTTP status when delivered; rejects with a DeliveryFailure otherwise. */
  async deliver(target: WebhookTarget, event: WebhookEvent): Promise<number> {
    let url: URL;
    try {
      url = new URL(target.url);
      assertTargetAllowed(url, this.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS);
    } catch (error) {
      throw permanentFailure(refusedText(error as Error));
    }
    const payload = webhookPayload(event);
    const now = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Happening-Webhooks/1',
      'webhook-id': event.id,
      'webhook-timestamp': Math.floor(now.getTime() / 1000).toString(),
      'webhook-signature': signatureHeader(target, event.id, now, payload),
    };
    const status = await this.post(url, headers, payload);
    const failure = classifyStatus(status);
    if (failure) throw failure;
    return status;
  }

  private post(url: URL, headers: Record<string, string>, payload: string): Promise<number> {
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<number>((resolve, reject) => {
      const request = client.request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(payload).toString() },
          lookup: this.lookup,
          timeout: this.config.WEBHOOK_TIMEOUT_MS,
        },
        (response) => {
          response.resume(); // the answer's body is not used; drain it so the socket is freed
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('timeout', () => {
        request.destroy(recoverableFailure(`webhook timed out after ${this.config.WEBHOOK_TIMEOUT_MS} ms`));
      });
      request.on('error', (error) => {
        if (error instanceof BlockedAddressError) reject(permanentFailure(refusedText(error)));
        else if (error.name === 'DeliveryFailure') reject(error);
        else reject(recoverableFailure(`webhook request failed: ${error.message}`));
      });
      request.end(payload);
    });
  }
}
