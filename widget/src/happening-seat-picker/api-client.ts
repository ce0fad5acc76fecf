import type { Availability, Booking, BookingBody, Event, Hold, HoldBody } from '@happening/shared';
import { ApiError, type ClientErrorCode, NETWORK_ERROR } from '@happening/shared/client-error';
import type { QueueTicketState } from './waiting-room-controller.js';

/** An error answer from the server (or the network), carrying its machine-readable code. */
export { ApiError };

export interface CreatedBooking {
  booking: Booking;
  manageToken: string;
}

/**
 * The REST calls the widget makes with the organization's publishable key. The browser adds the
 * page's Origin, which the server checks against the organization's allowed origins.
 */
export class HappeningApi {
  constructor(
    private readonly server: string,
    private readonly publishableKey: string,
  ) {}

  event(eventId: string): Promise<{ event: Event }> {
    return this.request('GET', `/events/${encodeURIComponent(eventId)}`);
  }

  availability(eventId: string): Promise<Availability> {
    return this.request('GET', `/events/${encodeURIComponent(eventId)}/availability`);
  }

  hold(eventId: string, body: HoldBody): Promise<Hold> {
    return this.request('POST', `/events/${encodeURIComponent(eventId)}/holds`, body);
  }

  getHold(holdToken: string): Promise<Hold> {
    return this.request('GET', `/holds/${encodeURIComponent(holdToken)}`);
  }

  extendHold(holdToken: string): Promise<Hold> {
    return this.request('POST', `/holds/${encodeURIComponent(holdToken)}/extend`, {});
  }

  releaseHold(holdToken: string): Promise<void> {
    return this.request('DELETE', `/holds/${encodeURIComponent(holdToken)}`);
  }

  releaseSeat(holdToken: string, seatId: string): Promise<Hold> {
    return this.request(
      'DELETE',
      `/holds/${encodeURIComponent(holdToken)}/seats/${encodeURIComponent(seatId)}`,
    );
  }

  /** Joins the event's waiting line; `altcha` is a solved proof-of-work challenge, as for holds. */
  joinQueue(eventId: string, body: { partySize: number; altcha?: string }): Promise<QueueTicketState> {
    return this.request('POST', `/events/${encodeURIComponent(eventId)}/queue`, body);
  }

  queueTicket(ticket: string): Promise<QueueTicketState> {
    return this.request('GET', `/queue/${encodeURIComponent(ticket)}`);
  }

  /** The same idempotency key for a retried submission makes the server replay its first answer. */
  book(eventId: string, body: BookingBody, idempotencyKey: string): Promise<CreatedBooking> {
    return this.request('POST', `/events/${encodeURIComponent(eventId)}/bookings`, body, {
      'Idempotency-Key': idempotencyKey,
    });
  }

  cancelBooking(bookingId: string, manageToken: string): Promise<{ booking: Booking }> {
    return this.request('POST', `/bookings/${encodeURIComponent(bookingId)}/cancel`, { manageToken });
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.server}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.publishableKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? null : JSON.stringify(body),
        credentials: 'omit',
      });
    } catch (error) {
      throw new ApiError(0, NETWORK_ERROR, `The server cannot be reached (${(error as Error).message})`);
    }
    if (response.status === 204) return undefined as T;
    const answer = (await response.json().catch(() => null)) as
      | (T & { error?: { code?: ClientErrorCode; message?: string } & Record<string, unknown> })
      | null;
    if (!response.ok) {
      const error = answer?.error;
      throw new ApiError(
        response.status,
        error?.code ?? 'INTERNAL_ERROR',
        error?.message ?? `HTTP ${response.status}`,
        error ?? {},
      );
    }
    return answer as T;
  }
}
