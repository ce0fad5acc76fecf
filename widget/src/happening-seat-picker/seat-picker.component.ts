import type {
  Availability,
  CountsMessage,
  Event,
  GeneralSection,
  SeatsMessage,
  WidgetSnapshot,
} from '@happening/shared';
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { ApiError, type CreatedBooking, HappeningApi } from './api-client.js';
import { AvailabilityStore } from './availability-store.js';
import { sentenceFor } from './error-sentences.js';
import type { HappeningEventDetails } from './events.js';
import { fill, filler } from './format.js';
import { HoldController } from './hold-controller.js';
import { keyToMove, seatAfterMove } from './keyboard.js';
import { categoryByKey, layoutSeatMap, type MapLayout, type PlacedSeat } from './layout.js';
import { seatList } from './list-view.js';
import { type ConnectionState, LiveConnection } from './live-connection.js';
import { LiveSeats } from './live-seats.js';
import { bestSeatsForm, confirmation, mapFrame, waitlistPanel } from './panels.js';
import { SeatMapView, type SeatPaint } from './seat-map-view.js';
import styles from './seat-picker.styles.js';
import { loadListMode, saveListMode } from './session-store.js';
import { defaultStrings, type Strings } from './strings.js';
import { generalSections, legend, type Pricing, priceOf, summary } from './templates.js';
import { languageOf, localeOf, translation } from './translations.js';
import { type SaleFields, WaitingRoomController } from './waiting-room-controller.js';
import { lineNews, linePanel, saleNotice } from './waiting-room-view.js';
import { WaitlistController } from './waitlist-controller.js';

/**
 * @summary A live seat map partners embed with one script tag: attendees pick and hold seats,
 * book them (or hand the hold to the partner's checkout) and join the waitlist when sold out.
 *
 * @event {CustomEvent<HoldDetail>} happening-hold - The attendee's hold changed (`reason`: select,
 *   release, extend) or they finished picking (`reason: 'checkout'`): book `detail.hold.holdToken`
 *   from your backend with the secret key.
 * @event {CustomEvent<HoldExpiredDetail>} happening-hold-expired - The hold ran out; its seats were released.
 * @event {CustomEvent<BookedDetail>} happening-booked - A direct booking was confirmed.
 * @event {CustomEvent<WaitlistedDetail>} happening-waitlisted - The attendee joined the waitlist.
 * @event {CustomEvent<ErrorDetail>} happening-error - Something the attendee tried failed, or the
 *   widget could not load (e.g. `ORIGIN_NOT_ALLOWED`).
 * @event {CustomEvent<QueueDetail>} happening-queue - The attendee's place in the waiting line changed
 *   (joined, moved, admitted, turn over, sold out): `detail` is the ticket's state.
 *
 * @csspart base - The wrapper of everything inside.
 * @csspart header - Event name and connection state.
 * @csspart connection - The live connection indicator.
 * @csspart map - The frame around the seat map and its zoom buttons.
 * @csspart seat-map - The <svg> seat map.
 * @csspart zoom-controls - The zoom buttons.
 * @csspart view-toggle - The button that switches between the map and list mode.
 * @csspart list - List mode: the seats by section and row.
 * @csspart legend - Categories with prices and seat states.
 * @csspart toolbar - "Find best seats" and its party size.
 * @csspart general - General-admission (standing) sections.
 * @csspart summary - The attendee's selection, hold timer and checkout.
 * @csspart timer - The hold countdown.
 * @csspart form - Attendee forms (booking, waitlist).
 * @csspart input - Every text and number input.
 * @csspart button - Every button.
 * @csspart checkout-button - The button that books or continues to checkout.
 * @csspart waitlist - The sold-out panel with the waitlist.
 * @csspart confirmation - The booking confirmation.
 * @csspart message - Announcements and errors (an ARIA live region).
 * @csspart error - The error shown instead of the map when the widget cannot load.
 * @csspart line - The waiting line: joining it, the place in it, the end of the turn.
 * @csspart admission-timer - The countdown of the attendee's turn (beside the hold's `timer`).
 * @csspart sale - Why the map is read-only: the sale opens later, is paused or has ended.
 *
 * @cssproperty --happening-font-family - Font of the whole element.
 * @cssproperty --happening-font-size - Base font size.
 * @cssproperty --happening-background - Background colour.
 * @cssproperty --happening-foreground - Text colour.
 * @cssproperty --happening-muted - Secondary text colour.
 * @cssproperty --happening-border - Border colour.
 * @cssproperty --happening-radius - Corner radius.
 * @cssproperty --happening-accent - Primary buttons and the attendee's own seats.
 * @cssproperty --happening-accent-foreground - Text on accent backgrounds.
 * @cssproperty --happening-error - Error text and borders.
 * @cssproperty --happening-focus-ring - Keyboard focus ring.
 * @cssproperty --happening-seat-available - Available seats of the first category.
 * @cssproperty --happening-seat-selected - Seats the attendee holds.
 * @cssproperty --happening-seat-held - Outline of seats others hold.
 * @cssproperty --happening-seat-booked - Sold and blocked seats.
 * @cssproperty --happening-category-0 - Colour of the first price category (default: the available-seat colour).
 * @cssproperty --happening-category-1 - Colour of price category 2.
 * @cssproperty --happening-category-2 - Colour of price category 3.
 * @cssproperty --happening-category-3 - Colour of price category 4.
 * @cssproperty --happening-category-4 - Colour of price category 5.
 * @cssproperty --happening-category-5 - Colour of price category 6.
 * @cssproperty --happening-map-max-height - Tallest the map may grow (default 70vh).
 */
export default class HappeningSeatPicker extends LitElement {
  static override styles = styles;

  static override properties = {
    eventId: { attribute: 'event-id' },
    publishableKey: { attribute: 'publishable-key' },
    server: {},
    section: {},
    maxSeats: { attribute: 'max-seats', type: Number },
    partySize: { attribute: 'party-size', type: Number },
    locale: {},
    strings: { attribute: false },
    phase: { state: true },
    fatal: { state: true },
    event: { state: true },
    connection: { state: true },
    message: { state: true },
    busy: { state: true },
    checkoutOpen: { state: true },
    booked: { state: true },
    revision: { state: true },
    translated: { state: true },
    listMode: { state: true },
    news: { state: true },
  };

  /** Id of the event to sell. */
  declare eventId: string;
  /** The organization's publishable key (`pk_…`); the page's origin must be in its allowed origins. */
  declare publishableKey: string;
  /** Base URL of the Happening server, e.g. `https://tickets.example.com`. */
  declare server: string;
  /** Only show this section (its id). */
  declare section: string | undefined;
  /** Most seats one attendee may pick (the event's own limit still applies). */
  declare maxSeats: number | undefined;
  /** Default party size for "Find best seats" and the waitlist. */
  declare partySize: number;
  /**
   * BCP 47 locale for texts and prices (defaults to the page's `lang`). German, French and
   * Spanish texts are built in (fetched from the server when asked for); anything else is English.
   */
  declare locale: string | undefined;
  /** Overrides for any of the texts the element shows, e.g. translations. */
  declare strings: Partial<Strings>;

  declare private phase: 'idle' | 'loading' | 'ready' | 'failed';
  declare private fatal: string;
  declare private event: Event | null;
  declare private connection: ConnectionState;
  declare private message: { kind: 'info' | 'error'; text: string } | null;
  declare private busy: boolean;
  declare private checkoutOpen: boolean;
  declare private booked: CreatedBooking | null;
  /** Bumped when counters change, to re-render what depends on them. */
  declare private revision: number;
  /** The strings of the element's language (empty for English), loaded from the server. */
  declare private translated: Partial<Strings>;
  private language = 'en';
  /** Seats as a list instead of the map: the attendee's choice, kept for the page's session. */
  declare private listMode: boolean;
  /** Sections opened in list mode. */
  private readonly openSections = new Set<string>();
  /** The waiting line's latest news for screen readers (a polite live region, not every tick). */
  declare private news: string;

  private api: HappeningApi | null = null;
  private live: LiveConnection | null = null;
  private readonly store = new AvailabilityStore();
  private layout: MapLayout | null = null;
  private view: SeatMapView | null = null;
  private pricing: Pricing = { categories: new Map(), locale: undefined };
  private readonly liveSeats = new LiveSeats(this.store, {
    refetch: () => this.api!.availability(this.eventId),
    paint: (ids) => {
      this.view?.paint(ids, this.describe);
      // The list is a Lit template: it re-renders what changed.
      if (this.listMode) this.requestUpdate();
    },
    countsChanged: () => this.revision++,
  });
  private readonly holds = new HoldController(this, {
    eventId: () => this.eventId,
    api: () => this.api,
    live: () => this.live,
    admissionToken: () => this.room.admissionToken,
    repaint: (ids) => this.liveSeats.schedulePaint(ids),
    taken: (seatId, error) => {
      const seat = this.layout?.byId.get(seatId);
      this.store.setStatus(seatId, 'held');
      this.say('error', fill(this.t.seatTaken, { row: seat?.row ?? '', seat: seat?.n ?? seatId }));
      this.emit('happening-error', { code: error.code, message: error.message });
    },
    failed: (error) => this.report(error),
    checking: (active) => this.checking(active),
    endingSoon: () => this.say('info', this.t.holdEndingSoon),
    expired: () => this.say('error', this.t.holdExpired),
    emit: (type, detail) => this.emit(type, detail),
  });
  private bookingKey = '';
  private readonly waitlist = new WaitlistController(this, {
    eventId: () => this.eventId,
    api: () => this.api,
    live: () => this.live,
    promoted: (status) =>
      this.say('info', status === 'confirmed' ? this.t.waitlistPromoted : this.t.waitlistOffered),
    emit: (type, detail) => this.emit(type, detail),
  });

  private readonly room = new WaitingRoomController(this, {
    eventId: () => this.eventId,
    event: () => this.event,
    api: () => this.api,
    live: () => this.live,
    changed: (ticket, news) => {
      if (news) this.news = lineNews(this.t, ticket);
      this.emit('happening-queue', ticket);
    },
    // The opening time passed: on sale now (a hold answers NOT_ON_SALE, with the state, if the
    // server's clock disagrees), without every waiting page asking for the event at that second.
    opened: () => this.setSale({ saleState: 'on_sale' }),
    checking: (active) => this.checking(active),
  });

  constructor() {
    super();
    this.eventId = '';
    this.publishableKey = '';
    this.server = '';
    this.partySize = 2;
    this.strings = {};
    this.phase = 'idle';
    this.fatal = '';
    this.event = null;
    this.connection = 'connecting';
    this.message = null;
    this.busy = false;
    this.checkoutOpen = false;
    this.booked = null;
    this.revision = 0;
    this.translated = {};
    this.listMode = loadListMode();
    this.news = '';
  }

  /** The texts in use: defaults merged with `strings`, once per change (seat labels read it 10,000 times). */
  private t: Strings = defaultStrings;
  /** Each status's text for the current strings (read once per seat label). */
  private statusTexts = statusTextsOf(defaultStrings);

  override connectedCallback(): void {
    super.connectedCallback();
    // Moved back into a page: load again (the socket was closed when it left).
    if (this.phase === 'idle') this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.teardown();
    this.phase = 'idle';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const source = ['eventId', 'publishableKey', 'server', 'section'] as const;
    const sourceChanged = this.phase === 'idle' || source.some((name) => changed.has(name));
    if (sourceChanged && this.isConnected && this.eventId && this.publishableKey && this.server) {
      void this.load();
    }
    if (changed.has('locale')) {
      this.pricing = { ...this.pricing, locale: localeOf(this, this.locale) };
      if (this.phase === 'ready') void this.loadLanguage();
    }
    if (changed.has('strings') || (changed as Map<string, unknown>).has('translated')) {
      this.t = { ...defaultStrings, ...this.translated, ...this.strings };
      this.statusTexts = statusTextsOf(this.t);
    }
    if (!this.holds.hold) this.checkoutOpen = false;
  }

  protected override updated(changed: PropertyValues<this>): void {
    const svg = this.renderRoot.querySelector<SVGSVGElement>('svg.seats');
    if (svg && this.layout && !this.view) {
      const categories = this.pricing.categories;
      const started = performance.now();
      this.view = new SeatMapView(svg, this.layout, (category) => categories.get(category)?.index ?? 0);
      const drawn = this.view.draw(this.describe, (seat) => this.statusOf(seat) === 'available');
      // For the benchmark and partners' own monitoring: the whole map on screen, then every seat.
      const measure = (name: string) => () =>
        performance.measure(name, { start: started, end: performance.now() });
      void drawn.visible.then(measure('happening:map-visible'));
      void drawn.complete.then(measure('happening:map-complete'));
    } else if (
      this.view &&
      (changed.has('strings') || changed.has('locale') || (changed as Map<string, unknown>).has('translated'))
    ) {
      this.view.paint(this.layout!.byId.keys(), this.describe);
    }
  }

  // ------------------------------------------------------------------ loading and live updates

  private teardown(): void {
    this.live?.stop();
    this.live = null;
    this.api = null;
    this.view?.dispose();
    this.view = null;
    this.layout = null;
    this.liveSeats.stop();
    // What belonged to the previous event (if the attributes changed) does not carry over;
    // sessionStorage keeps each event's own hold and waitlist entry.
    this.holds.forget();
    this.waitlist.entry = null;
    this.room.forget();
    this.booked = null;
    this.checkoutOpen = false;
  }

  private async load(): Promise<void> {
    this.teardown();
    const api = new HappeningApi(this.server.replace(/\/+$/, ''), this.publishableKey);
    this.api = api;
    this.phase = 'loading';
    try {
      // Both requests leave at once (one round trip on the first render, not two). Each carries
      // the publishable key, and the server checks this page's origin on both, so a page on a
      // foreign origin is refused the seats as well as the event; the event's error is the one
      // reported, and the availability's same refusal is not reported twice.
      const eventRequest = api.event(this.eventId);
      const pending = api.availability(this.eventId);
      pending.catch(() => undefined);
      // The first map is drawn in the attendee's language, fetched alongside (never fails).
      const translating = this.loadLanguage();
      const { event } = await eventRequest;
      if (api !== this.api) return;
      // The seat map is laid out while the availability answer may still be on its way; the map
      // is drawn only once every seat's status is known.
      const layout = layoutSeatMap(event.seatMap, this.section);
      const availability = await pending;
      if (api !== this.api) return;
      await translating;
      this.pricing = { categories: categoryByKey(event.seatMap), locale: localeOf(this, this.locale) };
      this.layout = layout;
      // In list mode, a map of one section shows its rows at once.
      this.openSections.clear();
      if (layout.sections.length === 1) this.openSections.add(layout.sections[0]!.id);
      this.store.reset(availability);
      // A server from before sale windows sends none of their fields: then it is simply on sale.
      this.event = { ...onSaleWithoutLine, ...event };
      await Promise.all([this.holds.restore(), this.room.restore()]);
      this.room.tick();
      this.phase = 'ready';
      this.live = new LiveConnection(
        this.server.replace(/\/+$/, ''),
        this.publishableKey,
        this.eventId,
        this.listener,
        () => this.holds.hold?.holdToken,
      );
      this.live.start();
      void this.waitlist.follow();
      void this.room.follow();
    } catch (error) {
      if (api !== this.api) return;
      this.phase = 'failed';
      const { code, message } = asError(error);
      this.fatal =
        code === 'ORIGIN_NOT_ALLOWED'
          ? sentenceFor(this.t, code)
          : fill(this.t.loadFailed, { message: sentenceFor(this.t, code) });
      this.emit('happening-error', { code, message });
    }
  }

  /** Loads the strings of the language the `locale` attribute or the page's `lang` names. */
  private async loadLanguage(): Promise<void> {
    const language = languageOf(localeOf(this, this.locale));
    if (language === this.language) return;
    this.language = language;
    const strings = await translation(this.server.replace(/\/+$/, ''), language);
    if (this.language === language) this.translated = strings;
  }

  private readonly listener = {
    state: (state: ConnectionState, reason?: string) => {
      this.connection = state;
      if (state === 'refused' && reason === 'ORIGIN_NOT_ALLOWED') {
        this.say('error', sentenceFor(this.t, reason));
      }
    },
    snapshot: (availability: Availability & Partial<WidgetSnapshot>) => {
      // The snapshot of every (re)join also says where the sale stands (paused, opened early…).
      const sale = availability.sale;
      if (sale && this.event)
        this.setSale({ ...sale, waitingRoom: { ...this.event.waitingRoom, enabled: sale.waitingRoom } });
      this.liveSeats.snapshot(availability);
    },
    seats: (message: SeatsMessage) => this.liveSeats.seats(message),
    counts: (message: CountsMessage) => this.liveSeats.counts(message),
    holdExpired: (message: { holdToken: string; seatIds: string[] }) => {
      if (this.holds.hold?.holdToken === message.holdToken) this.holds.expire();
    },
    waitlist: (message: { bookingId: string; position: number; status: string }) =>
      this.waitlist.update(message),
    queue: (message: Parameters<WaitingRoomController['set']>[0]) => this.room.set(message),
  };

  // ------------------------------------------------------------------ the sale window and the line

  /** Whether the attendee may pick seats now: on sale, and their turn if the event has a line. */
  private get shopping(): boolean {
    const event = this.event;
    // (A draft reads as `scheduled` and a cancelled event as `ended`.)
    if (event?.saleState !== 'on_sale') return false;
    return !event.waitingRoom.enabled || this.room.ticket?.state === 'admitted';
  }

  /** The line shows while the event has one and its sale is open or about to, or we hold a ticket. */
  private get lineShown(): boolean {
    const event = this.event;
    const open = event?.saleState === 'on_sale' || event?.saleState === 'scheduled';
    return !!this.room.ticket || (!!event?.waitingRoom.enabled && open);
  }

  private setSale(sale: SaleFields): void {
    this.event = { ...this.event!, ...sale };
    this.room.tick();
  }

  private joinLine = (partySize: number) =>
    this.withBusy(async () => {
      this.partySize = partySize;
      await this.room.join(partySize);
    });

  // Announced (the message area is a status region) while the proof of work runs.
  private checking(active: boolean): void {
    if (active) this.say('info', this.t.checkingBrowser);
    else if (this.message?.text === this.t.checkingBrowser) this.message = null;
  }

  private statusText(status: SeatPaint['status']): string {
    return this.statusTexts[status];
  }

  /**
   * Seat labels with their category, price and status already filled in, per category and
   * status, for the texts and prices in use: a 10,000-seat map labels every seat on its first
   * render, and only row and seat number differ from one label to the next.
   */
  private labels = {
    t: this.t,
    pricing: this.pricing,
    byKind: new Map<string, (seat: PlacedSeat) => string>(),
  };

  private labelOf(seat: PlacedSeat, status: SeatPaint['status']): string {
    if (this.labels.t !== this.t || this.labels.pricing !== this.pricing)
      this.labels = { t: this.t, pricing: this.pricing, byKind: new Map() };
    const kind = `${seat.category}\n${status}`;
    let label = this.labels.byKind.get(kind);
    if (!label) {
      const rest = filler(this.t.seatLabel, {
        category: this.pricing.categories.get(seat.category)?.label ?? seat.category,
        price: priceOf(this.pricing, seat.category),
        status: this.statusText(status),
      });
      label = (seat) => rest({ row: seat.row, seat: seat.n });
      this.labels.byKind.set(kind, label);
    }
    return label(seat);
  }

  private statusOf(seat: PlacedSeat): SeatPaint['status'] {
    if (this.holds.pending.has(seat.id)) return 'pending';
    if (this.holds.holds(seat.id)) return 'selected';
    return this.store.statusOf(seat.id);
  }

  private readonly describe = (seat: PlacedSeat): SeatPaint => {
    const status = this.statusOf(seat);
    return { status, label: this.labelOf(seat, status) };
  };

  // ------------------------------------------------------------------ picking

  private get seatLimit(): number {
    const eventLimit = this.event?.maxSeatsPerBooking ?? 10;
    return this.maxSeats ? Math.min(this.maxSeats, eventLimit) : eventLimit;
  }

  private seatLimitText(): string {
    const max = this.seatLimit;
    return max === 1 ? this.t.maxSeatsOne : fill(this.t.maxSeats, { max });
  }

  private toggleSeat(id: string): void {
    const seat = this.layout?.byId.get(id);
    if (!seat || this.holds.pending.has(id) || this.booked) return;
    if (!this.shopping) {
      if (this.event?.waitingRoom.enabled) this.say('info', this.t.lineWaitTurn);
      return;
    }
    if (this.holds.holds(id)) return void this.holds.release(id);
    const status = this.store.statusOf(id);
    const t = this.t;
    if (status !== 'available') {
      this.say(
        'info',
        fill(t.seatNotAvailable, { row: seat.row, seat: seat.n, status: this.statusText(status) }),
      );
      return;
    }
    if (this.holds.count >= this.seatLimit) {
      this.say('error', this.seatLimitText());
      return;
    }
    this.message = null;
    void this.holds.pick(id);
  }

  private bestAvailable(quantity: number, sectionId = this.section): Promise<void> {
    return this.holds.run(() =>
      this.withBusy(async () => {
        const before = new Set(this.holds.hold?.seats);
        try {
          const section = sectionId ? { section: sectionId } : {};
          this.holds.set(await this.holds.request({ bestAvailable: { quantity, ...section } }), 'select');
          this.message = null;
          const first = this.holds.hold?.seats.find((id) => !before.has(id));
          if (first && !this.listMode) this.view?.focus(first);
        } catch (error) {
          const { code } = asError(error);
          if (code !== 'SEAT_UNAVAILABLE' && code !== 'SOLD_OUT') throw error;
          const label = this.event?.seatMap.sections.find((s) => s.id === sectionId)?.label;
          const where = sectionId ? fill(this.t.inSection, { section: label ?? sectionId }) : '';
          this.say(
            'error',
            fill(quantity === 1 ? this.t.bestAvailableFailedOne : this.t.bestAvailableFailed, {
              quantity,
              section: where,
            }),
          );
        }
      }),
    );
  }

  private addGeneral = (section: string, quantity: number) =>
    this.holds.run(() =>
      this.withBusy(async () => {
        if (this.holds.count + quantity > this.seatLimit) {
          this.say('error', this.seatLimitText());
          return;
        }
        this.holds.set(await this.holds.request({ general: [{ section, quantity }] }), 'select');
      }),
    );

  // ------------------------------------------------------------------ checkout and waitlist

  private checkout = () => {
    const hold = this.holds.hold;
    if (!hold) return;
    if (!this.event?.directBooking) {
      this.emit('happening-hold', { hold, reason: 'checkout' });
      return this.say('info', this.t.handedOff);
    }
    // crypto.randomUUID exists only on secure pages; getRandomValues everywhere. (On an http page
    // the throw used to leave the form open without focus in it.)
    this.bookingKey = [...crypto.getRandomValues(new Uint8Array(16))]
      .map((byte) => byte.toString(16).padStart(2, '0'))
      .join('');
    this.checkoutOpen = true;
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLInputElement>('input[name=name]')?.focus(),
    );
  };

  private book = (form: HTMLFormElement) =>
    this.withBusy(async () => {
      const hold = this.holds.hold;
      if (!hold) return;
      const admissionToken = this.room.admissionToken;
      const created = await this.api!.book(
        this.eventId,
        {
          holdToken: hold.holdToken,
          attendee: attendeeOf(form),
          ...(admissionToken ? { admissionToken } : {}),
        },
        this.bookingKey,
      );
      this.booked = created;
      this.holds.set(null);
      this.say('info', fill(this.t.booked, { reference: created.booking.id.slice(0, 8).toUpperCase() }));
      this.emit('happening-booked', created);
    });

  private joinWaitlist = (form: HTMLFormElement) =>
    this.withBusy(async () => {
      const quantity = Number(new FormData(form).get('quantity')) || 1;
      // Sold out while in line: the ticket's token (if it has one) lets its holder onto the waitlist.
      const token = this.room.ticket?.admissionToken;
      const created = await this.waitlist.join(quantity, attendeeOf(form), this.section, token);
      if (created.booking.status === 'waitlisted') return;
      // Places freed up between the snapshot and the request: it is a booking after all.
      this.booked = created;
      this.emit('happening-booked', created);
    });

  private leaveWaitlist = () =>
    this.withBusy(async () => {
      await this.waitlist.leave();
      this.say('info', this.t.leftWaitlist);
    });

  // ------------------------------------------------------------------ plumbing

  private async withBusy(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await work();
    } catch (error) {
      this.report(error);
    } finally {
      this.busy = false;
    }
  }

  private report(error: unknown): void {
    const detail = asError(error);
    if (detail.code === 'HOLD_NOT_FOUND' || detail.code === 'HOLD_EXPIRED') this.holds.expire();
    // The line is closed (switched off, the sale ended): load again, to show what is true now.
    else if (detail.code === 'QUEUE_CLOSED') void this.load();
    else if (detail.code === 'ADMISSION_REQUIRED') {
      // The turn ended (or the line was switched on): the ticket's state says what happens now.
      this.say('error', sentenceFor(this.t, detail.code));
      this.setSale({ waitingRoom: { ...this.event!.waitingRoom, enabled: true } });
      void this.room.restore();
    } else if (detail.code === 'NOT_ON_SALE') {
      const { saleState, onSaleAt, offSaleAt } = detail.details as SaleFields;
      if (saleState) this.setSale({ saleState, onSaleAt, offSaleAt } as SaleFields);
    }
    // The attendee reads a sentence written for them; the server's message goes to the page only.
    else this.say('error', sentenceFor(this.t, detail.code));
    this.emit('happening-error', { code: detail.code, message: detail.message });
  }

  private say(kind: 'info' | 'error', text: string): void {
    this.message = { kind, text };
  }

  private emit<K extends keyof HappeningEventDetails>(type: K, detail: HappeningEventDetails[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private toggleList = () => {
    this.listMode = !this.listMode;
    saveListMode(this.listMode);
    this.say('info', this.listMode ? this.t.listModeOn : this.t.mapModeOn);
  };

  private partyQuantity(): number {
    const input = this.renderRoot.querySelector<HTMLInputElement>('.toolbar input[name=quantity]');
    return Number(input?.value) || this.partySize;
  }

  private onMapClick = (event: MouseEvent) => {
    if (this.view?.suppressClick) {
      this.view.suppressClick = false;
      return;
    }
    const id = this.view?.seatAt(event.target);
    if (!id) return;
    // A finger on seats drawn smaller than a comfortable target zooms in there first; the next
    // tap picks (a mouse or pen picks at once).
    if (this.view!.pointerType === 'touch' && this.view!.zoomToTap(event.clientX, event.clientY))
      return this.say('info', this.t.tapToZoom);
    this.view!.focus(id);
    this.toggleSeat(id);
  };

  private onMapKeydown = (event: KeyboardEvent) => {
    const id = this.view?.seatAt(event.target);
    if (!id || !this.layout) return;
    const move = keyToMove[event.key];
    if (move) {
      event.preventDefault();
      const next = seatAfterMove(this.layout, id, move);
      if (next) this.view!.focus(next.id);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.toggleSeat(id);
    } else if (event.key === '+' || event.key === '-') {
      this.view!.zoomBy(event.key === '+' ? 1.5 : 1 / 1.5);
      this.view!.focus(id);
    }
  };

  // ------------------------------------------------------------------ rendering

  protected override render() {
    const t = this.t;
    if (this.phase === 'failed')
      return html`<div class="fatal" part="base error" role="alert">${this.fatal}</div>`;
    const event = this.event;
    if (this.phase !== 'ready' || !event) return html`<div part="base" role="status">${t.loading}</div>`;
    const sections = event.seatMap.sections.filter((section) => !this.section || section.id === this.section);
    const general = sections.filter((section): section is GeneralSection => section.kind === 'general');
    const reserved = (this.layout?.byId.size ?? 0) > 0;
    const onSale = this.shopping;
    const hold = this.holds.hold;
    const ticket = this.room.ticket;
    const soldOut =
      ticket?.state === 'sold_out' ||
      (onSale && !hold && !this.booked && this.store.available(this.section) === 0);
    const line = this.lineShown;
    const connectionText = {
      connecting: t.connectionConnecting,
      live: t.connectionLive,
      reconnecting: t.connectionReconnecting,
      refused: t.connectionRefused,
    }[this.connection];
    return html`<div part="base" class="base">
      <header part="header">
        <h2>${event.name}</h2>
        <span class="connection" part="connection" data-state=${this.connection}>${connectionText}</span>
      </header>
      ${reserved ? html`<button type="button" class="view-toggle" part="button view-toggle" @click=${this.toggleList}>${this.listMode ? t.mapMode : t.listMode}</button>` : nothing}
      ${
        reserved
          ? mapFrame(
              t,
              {
                click: this.onMapClick,
                keydown: this.onMapKeydown,
                zoom: (factor) => this.view?.zoomBy(factor),
                fit: () => this.view?.fit(),
              },
              this.listMode,
            )
          : nothing
      }
      ${
        reserved && this.listMode && this.layout
          ? seatList(
              t,
              {
                layout: this.layout,
                open: this.openSections,
                describe: this.describe,
                statusText: (status) => this.statusText(status),
                left: (id) => this.store.available(id),
                price: (category) => priceOf(this.pricing, category),
                busy: this.busy || !onSale,
                quantity: this.partyQuantity(),
              },
              {
                toggle: (id) => this.toggleSeat(id),
                section: (id) => {
                  if (!this.openSections.delete(id)) this.openSections.add(id);
                  this.requestUpdate();
                },
                best: (id) => void this.bestAvailable(this.partyQuantity(), id),
              },
            )
          : nothing
      }
      <div class="sheet" ?data-checkout=${this.checkoutOpen}>
      ${legend(t, this.pricing, reserved)}
      ${
        hold
          ? summary(
              t,
              this.pricing,
              {
                hold,
                event,
                layout: this.layout,
                remainingMs: this.holds.remainingMs,
                busy: this.busy,
                checkoutOpen: this.checkoutOpen,
              },
              {
                release: (id) => void this.holds.release(id),
                releaseAll: () => void this.holds.releaseAll(),
                extend: () => void this.withBusy(() => this.holds.extend()),
                checkout: this.checkout,
                book: this.book,
                closeCheckout: () => (this.checkoutOpen = false),
              },
            )
          : nothing
      }
      </div>
      ${event.status !== 'on_sale' ? html`<p>${t.notOnSale}</p>` : ticket && event.saleState === 'scheduled' ? nothing : saleNotice(t, event, this.room.now)}
      ${line && !this.booked ? linePanel(t, { ticket, now: this.room.now, limit: this.seatLimit, partySize: this.partySize, busy: this.busy }, this.joinLine) : nothing}
      ${onSale && reserved && !soldOut && !this.booked ? bestSeatsForm(t, { limit: this.seatLimit, partySize: this.partySize, busy: this.busy }, (quantity) => void this.bestAvailable(quantity)) : nothing}
      ${onSale && !this.booked ? generalSections(t, this.pricing, general, (id) => this.store.available(id), this.busy, this.addGeneral) : nothing}

      ${
        soldOut || this.waitlist.entry
          ? waitlistPanel(
              t,
              {
                event,
                entry: this.waitlist.entry,
                limit: this.seatLimit,
                partySize: ticket?.partySize ?? this.partySize,
                busy: this.busy,
              },
              { join: this.joinWaitlist, leave: this.leaveWaitlist },
            )
          : nothing
      }
      ${this.booked ? confirmation(t, this.booked, this.layout) : nothing}
      <div class="message" part="message" role="status" data-kind=${this.message?.kind ?? 'info'}>${this.message?.text ?? ''}</div>
      ${line ? html`<p class="visually-hidden" aria-live="polite" data-news>${this.news}</p>` : nothing}
    </div>`;
  }
}

/** What an event read of a server from before sale windows and waiting rooms amounts to. */
const onSaleWithoutLine = { saleState: 'on_sale', waitingRoom: { enabled: false } } as Partial<Event>;

function statusTextsOf(t: Strings): Record<SeatPaint['status'], string> {
  return {
    available: t.statusAvailable,
    pending: t.statusSelected,
    selected: t.statusSelected,
    held: t.statusHeld,
    booked: t.statusBooked,
    blocked: t.statusBlocked,
  };
}

function asError(error: unknown): {
  code: string;
  message: string;
  status: number;
  details: Record<string, unknown>;
} {
  if (error instanceof ApiError)
    return { code: error.code, message: error.message, status: error.status, details: error.details };
  return {
    code: 'INTERNAL_ERROR',
    message: (error as Error)?.message ?? String(error),
    status: 0,
    details: {},
  };
}

function attendeeOf(form: HTMLFormElement): { name: string; email: string } {
  const data = new FormData(form);
  return { name: String(data.get('name') ?? '').trim(), email: String(data.get('email') ?? '').trim() };
}
