import type { Hold, HoldBody } from '@happening/shared';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ApiError, type HappeningApi } from './api-client.js';
import type { HappeningEventDetails, HoldReason } from './events.js';
import type { LiveConnection } from './live-connection.js';
import { challengeOf, solveProofOfWork } from './proof-of-work.js';
import { loadSession, saveSession } from './session-store.js';

/** What the hold needs from the element around it. */
export interface HoldDeps {
  eventId(): string;
  api(): HappeningApi | null;
  live(): LiveConnection | null;
  /** The attendee's turn in the event's waiting line, sent with every hold while there is one. */
  admissionToken(): string | undefined;
  /** Seats whose paint may have changed (picked, released, rolled back). */
  repaint(ids: Iterable<string>): void;
  /** A seat the server just refused: someone else has it. */
  taken(seatId: string, error: ApiError): void;
  failed(error: unknown): void;
  /** The browser is solving a proof-of-work challenge (true), or is done with it (false). */
  checking(active: boolean): void;
  endingSoon(): void;
  expired(): void;
  emit<K extends keyof HappeningEventDetails>(type: K, detail: HappeningEventDetails[K]): void;
}

/**
 * The attendee's hold: the seats and places it covers, the ones being requested right now
 * (shown as picked before the server answers), its countdown and its token in sessionStorage.
 * Hold calls run one at a time, so the first creates the token and the next ones add to it.
 */
export class HoldController implements ReactiveController {
  hold: Hold | null = null;
  readonly pending = new Set<string>();
  remainingMs = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private expiryCheckAt = 0;
  private warnedEndingSoon = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly deps: HoldDeps,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    if (this.hold) this.timer ??= setInterval(() => this.tick(), 1_000);
  }

  hostDisconnected(): void {
    this.stopTimer();
  }

  /** Drops the in-memory hold (the element is switching events or leaving the page), not the saved token. */
  forget(): void {
    this.hold = null;
    this.pending.clear();
    this.stopTimer();
  }

  /** Places held (and being requested), against the per-booking limit. */
  get count(): number {
    const hold = this.hold;
    const general = hold?.general.reduce((sum, item) => sum + item.quantity, 0) ?? 0;
    return (hold?.seats.length ?? 0) + general + this.pending.size;
  }

  holds(seatId: string): boolean {
    return this.hold?.seats.includes(seatId) ?? false;
  }

  run(operation: () => Promise<void>): Promise<void> {
    const next = this.queue.then(operation, operation);
    this.queue = next.catch(() => {});
    return next;
  }

  /** Optimistic: the seat shows as picked at once and is rolled back if the server says no. */
  pick(seatId: string): Promise<void> {
    this.pending.add(seatId);
    this.deps.repaint([seatId]);
    this.host.requestUpdate();
    return this.run(async () => {
      try {
        this.set(await this.request({ seats: [seatId] }), 'select');
      } catch (error) {
        if (error instanceof ApiError && error.code === 'SEAT_UNAVAILABLE') this.deps.taken(seatId, error);
        else this.deps.failed(error);
      } finally {
        this.pending.delete(seatId);
        this.deps.repaint([seatId]);
        this.host.requestUpdate();
      }
    });
  }

  /**
   * Seats go over the socket when it is up (the server then ties the hold to this connection and
   * frees it early if the tab goes away); best available and standing places use REST.
   */
  async request(body: HoldBody): Promise<Hold> {
    const holdToken = this.hold?.holdToken;
    const live = this.deps.live();
    const admissionToken = this.deps.admissionToken();
    const send = (token: string | undefined, altcha?: string) =>
      body.seats && live?.connected
        ? live.hold(body.seats, token, altcha, admissionToken)
        : this.deps.api()!.hold(this.deps.eventId(), {
            ...body,
            ...(token ? { holdToken: token } : {}),
            ...(altcha ? { altcha } : {}),
            ...(admissionToken ? { admissionToken } : {}),
          });
    // When the server asks for proof of work, solve its challenge and send the hold again, once:
    // the attendee only ever sees the seat picked.
    const proven = async (token: string | undefined) => {
      try {
        return await send(token);
      } catch (error) {
        const challenge = challengeOf(error);
        if (!challenge) throw error;
        this.deps.checking(true);
        try {
          return await send(token, await solveProofOfWork(challenge));
        } finally {
          this.deps.checking(false);
        }
      }
    };
    try {
      return await proven(holdToken);
    } catch (error) {
      const code = error instanceof ApiError ? error.code : '';
      if (!holdToken || (code !== 'HOLD_NOT_FOUND' && code !== 'HOLD_EXPIRED')) throw error;
      // Our hold ran out in the meantime: start a new one rather than failing the click.
      this.expire();
      return proven(undefined);
    }
  }

  release(seatId: string): Promise<void> {
    return this.run(async () => {
      const token = this.hold?.holdToken;
      if (!token) return;
      try {
        this.set(await this.deps.api()!.releaseSeat(token, seatId), 'release');
      } catch (error) {
        this.deps.failed(error);
      }
    });
  }

  releaseAll(): Promise<void> {
    return this.run(async () => {
      const hold = this.hold;
      if (!hold) return;
      try {
        await this.deps.api()!.releaseHold(hold.holdToken);
        this.set(null);
        this.deps.emit('happening-hold', { hold: { ...hold, seats: [], general: [] }, reason: 'release' });
      } catch (error) {
        this.deps.failed(error);
      }
    });
  }

  extend(): Promise<void> {
    return this.run(async () => {
      if (!this.hold) return;
      this.set(await this.deps.api()!.extendHold(this.hold.holdToken), 'extend');
    });
  }

  /** After a reload: the hold from sessionStorage, if the server still has it. */
  async restore(): Promise<void> {
    const eventId = this.deps.eventId();
    const saved = loadSession(eventId);
    if (!saved.holdToken) return;
    try {
      const hold = await this.deps.api()!.getHold(saved.holdToken);
      if (hold.eventId === eventId) return this.set(hold);
    } catch {
      // Expired or unknown: start fresh.
    }
    saveSession(eventId, { ...saved, holdToken: undefined });
  }

  set(hold: Hold | null, reason?: HoldReason): void {
    const before = this.hold?.seats ?? [];
    const empty = !hold || (hold.seats.length === 0 && hold.general.length === 0);
    this.hold = empty ? null : hold;
    const eventId = this.deps.eventId();
    saveSession(eventId, { ...loadSession(eventId), holdToken: this.hold?.holdToken });
    this.deps.repaint([...before, ...(hold?.seats ?? [])]);
    if (reason && hold) this.deps.emit('happening-hold', { hold, reason });
    if (this.hold) {
      this.warnedEndingSoon = false;
      this.tick();
      this.timer ??= setInterval(() => this.tick(), 1_000);
    } else this.stopTimer();
    this.host.requestUpdate();
  }

  /** The server said the hold is gone (or a call found it gone): tell the attendee and the page. */
  expire(): void {
    const hold = this.hold;
    if (!hold) return;
    this.set(null);
    this.deps.expired();
    this.deps.emit('happening-hold-expired', { holdToken: hold.holdToken, seatIds: hold.seats });
  }

  private tick(): void {
    if (!this.hold) return;
    this.remainingMs = Date.parse(this.hold.expiresAt) - Date.now();
    this.host.requestUpdate();
    if (this.remainingMs <= 60_000 && this.remainingMs > 0 && !this.warnedEndingSoon) {
      this.warnedEndingSoon = true;
      this.deps.endingSoon();
    }
    // Our clock may differ from the server's: ask it rather than expiring on our own say-so.
    if (this.remainingMs <= 0 && Date.now() - this.expiryCheckAt > 2_000) {
      this.expiryCheckAt = Date.now();
      const token = this.hold.holdToken;
      this.deps
        .api()
        ?.getHold(token)
        .then(
          (hold) => this.hold?.holdToken === token && this.set(hold),
          (error) =>
            error instanceof ApiError &&
            error.status === 404 &&
            this.hold?.holdToken === token &&
            this.expire(),
        );
    }
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
