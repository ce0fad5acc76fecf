import type { Attendee } from '@happening/shared';
import type { ReactiveControllerHost } from 'lit';
import type { CreatedBooking, HappeningApi } from './api-client.js';
import type { HappeningEventDetails } from './events.js';
import type { LiveConnection } from './live-connection.js';
import { loadSession, saveSession } from './session-store.js';

export interface WaitlistEntry {
  bookingId: string;
  manageToken: string;
  position: number;
  /** `waitlisted`, then `confirmed` (auto mode) or `offered`, or `cancelled`. */
  status: string;
}

export interface WaitlistDeps {
  eventId(): string;
  api(): HappeningApi | null;
  live(): LiveConnection | null;
  promoted(status: 'confirmed' | 'offered'): void;
  emit<K extends keyof HappeningEventDetails>(type: K, detail: HappeningEventDetails[K]): void;
}

/**
 * The attendee's place in a sold-out event's waitlist: joining (a booking by quantity that the
 * server parks as `waitlisted`), following the live position over the socket, leaving (cancelling
 * that booking). The entry is kept in sessionStorage, so a reload keeps following it. It has no
 * lifecycle of its own (the socket belongs to the element), only state that re-renders the host.
 */
export class WaitlistController {
  entry: WaitlistEntry | null = null;
  /** One idempotency key per submission: a retried request replays instead of queueing twice. */
  private requestKey = '';

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly deps: WaitlistDeps,
  ) {}

  /** Returns the booking: `waitlisted`, or `confirmed` if places freed up in the meantime. */
  async join(
    quantity: number,
    attendee: Attendee,
    section?: string,
    admissionToken?: string,
  ): Promise<CreatedBooking> {
    const eventId = this.deps.eventId();
    this.requestKey ||= crypto.randomUUID();
    const created = await this.deps.api()!.book(
      eventId,
      {
        quantity,
        ...(section ? { section } : {}),
        attendee,
        ...(admissionToken ? { admissionToken } : {}),
      },
      this.requestKey,
    );
    this.requestKey = '';
    if (created.booking.status !== 'waitlisted') return created;
    const saved = { bookingId: created.booking.id, manageToken: created.manageToken };
    this.entry = { ...saved, position: created.booking.waitlistPosition ?? 0, status: 'waitlisted' };
    saveSession(eventId, { ...loadSession(eventId), waitlist: saved });
    this.deps.emit('happening-waitlisted', { ...saved, position: this.entry.position });
    this.host.requestUpdate();
    void this.follow(saved);
    return created;
  }

  /** Follows the live position (also after a reload, from sessionStorage). */
  async follow(saved = loadSession(this.deps.eventId()).waitlist): Promise<void> {
    if (!saved) return;
    try {
      const { position } = await this.deps.live()!.watchWaitlist(saved.bookingId, saved.manageToken);
      this.entry = { ...saved, position, status: this.entry?.status ?? 'waitlisted' };
      this.host.requestUpdate();
    } catch {
      // The booking is gone (cancelled, or an old tab's entry): stop remembering it.
      if (this.entry?.bookingId !== saved.bookingId) this.forget();
    }
  }

  /** A `waitlist` message from the server. */
  update(message: { bookingId: string; position: number; status: string }): void {
    if (this.entry?.bookingId !== message.bookingId) return;
    this.entry = { ...this.entry, position: message.position, status: message.status };
    if (message.status === 'confirmed' || message.status === 'offered') this.deps.promoted(message.status);
    this.host.requestUpdate();
  }

  async leave(): Promise<void> {
    const entry = this.entry;
    if (!entry) return;
    await this.deps.api()!.cancelBooking(entry.bookingId, entry.manageToken);
    this.deps.live()?.unwatchWaitlist();
    this.entry = null;
    this.forget();
    this.host.requestUpdate();
  }

  private forget(): void {
    const eventId = this.deps.eventId();
    saveSession(eventId, { ...loadSession(eventId), waitlist: undefined });
  }
}
