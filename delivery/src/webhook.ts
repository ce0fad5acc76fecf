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

/** The settings of the worker's and the server's configuration that a sender reads. */
export interface WebhookSettings {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean;
  /** Development only: deliver to `http:` URLs too (otherwise only `https:`). */
  WEBHOOK_ALLOW_HTTP: boolean;
  /** Total time of one delivery: DNS, connect, TLS, the answer's headers and its body. */
  WEBHOOK_TIMEOUT_MS: number;
  /** Bytes of an answer read at most; a longer answer is cut off and counts as a failed attempt. */
  WEBHOOK_MAX_RESPONSE_BYTES: number;
}

/** `https:` always; `http:` only where the development switch allows it. */
export function webhookSchemeAllowed(url: URL, allowHttp: boolean): boolean {
  return url.protocol === 'https:' || (allowHttp && url.protocol === 'http:');
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
      // Checked again here, not only at registration: an endpoint registered while http was
      // allowed must not carry signed payloads in the clear once it no longer is.
      if (!webhookSchemeAllowed(url, this.config.WEBHOOK_ALLOW_HTTP))
        throw new Error(`${url.protocol.slice(0, -1)} webhook URLs are not allowed here; use https`);
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

  /**
   * One POST under a total deadline: the signal aborts the request in whatever phase it is (DNS,
   * connect, TLS, waiting for headers, reading the body), so a receiver that sends its headers and
   * then drips a byte every few seconds fails at the deadline like one that never answers. The
   * answer's body is read only to free the socket, and only up to the cap: a huge answer is cut
   * off rather than read to its end.
   */
  private post(url: URL, headers: Record<string, string>, payload: string): Promise<number> {
    const client = url.protocol === 'https:' ? https : http;
    const { WEBHOOK_TIMEOUT_MS: deadlineMs, WEBHOOK_MAX_RESPONSE_BYTES: maxBytes } = this.config;
    const signal = AbortSignal.timeout(deadlineMs);
    return new Promise<number>((resolve, reject) => {
      const request = client.request(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(payload).toString() },
        lookup: this.lookup,
        signal,
      });
      const fail = (failure: DeliveryFailure) => {
        reject(failure);
        request.destroy();
      };
      request.on('response', (response) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > maxBytes) fail(recoverableFailure(`webhook answer exceeded ${maxBytes} bytes; cut off`));
        });
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', (error) => fail(this.asFailure(error, signal)));
      });
      request.on('error', (error) => fail(this.asFailure(error, signal)));
      request.end(payload);
    });
  }

  private asFailure(error: Error, signal: AbortSignal): DeliveryFailure {
    if (error instanceof BlockedAddressError) return permanentFailure(refusedText(error));
    if (error.name === 'DeliveryFailure') return error as DeliveryFailure;
    if (signal.aborted)
      return recoverableFailure(`webhook did not finish within ${this.config.WEBHOOK_TIMEOUT_MS} ms`);
    return recoverableFailure(`webhook request failed: ${error.message}`);
  }
}
