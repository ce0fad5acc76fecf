/**
 * The attendee's booking page, served at /bookings/<id>#<manageToken> (or #t=<manageToken>): shows
 * the booking and lets its holder claim an offer or cancel. The token is read from the fragment,
 * which the browser never sends, and goes to the API in the `x-manage-token` header or a JSON
 * body, never in a URL. Every text from the API is set with textContent (Trusted Types are on).
 *
 * Built by the pages build (server/vite.pages.config.ts) to /bookings/assets/booking.js; the types
 * come from the API's own schemas in `@happening/shared`, imported as types only (no TypeBox in
 * the bundle).
 */
import type { BookingDetailsResponse } from '@happening/shared';
import type { Static } from 'typebox';
import { ApiError, api, byId, commonFailure, pageStates, setText } from '/pages/assets/page-kit.js';

type Details = Static<typeof BookingDetailsResponse>;
type Status = Details['booking']['status'];
/** A booking's own places, or those held for its offer. */
type Places = Pick<Details['booking'], 'seats' | 'general'>;

const page = {
  booking: byId('booking', HTMLElement),
  statusLine: byId('status-line', HTMLElement),
  statusDetail: byId('status-detail', HTMLElement),
  statusReason: byId('status-reason', HTMLElement),
  places: byId('places', HTMLUListElement),
  actionError: byId('action-error', HTMLElement),
  claim: byId('claim', HTMLButtonElement),
  cancelOpen: byId('cancel-open', HTMLButtonElement),
  cancelForm: byId('cancel-form', HTMLFormElement),
  cancelHeading: byId('cancel-heading', HTMLHeadingElement),
  cancelReason: byId('cancel-reason', HTMLTextAreaElement),
  cancelConfirm: byId('cancel-confirm', HTMLButtonElement),
  cancelKeep: byId('cancel-keep', HTMLButtonElement),
};

/** The event's time in the attendee's own locale and time zone, naming the zone. */
const whenFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short',
});

function formatWhen(iso: string): string {
  return whenFormat.format(new Date(iso));
}

const states = pageStates({ problem: byId('problem', HTMLElement), booking: page.booking });

function showUnknownLink() {
  states.problem(
    'This booking link does not work',
    'Happening does not know this link. It may have been cut short: copy the whole link from the email, including the part after “#”.',
    'If the whole link does not work either, contact the organizer of the event and give them your booking reference.',
  );
}

/**
 * "Main, row B, seat 12" from a seat id `<section>-<row>-<number>` (section ids and row labels
 * never contain "-"); the id itself when it does not have that shape.
 */
function describeSeat(seatId: string, sectionLabels: Map<string, string>): string {
  const parts = seatId.split('-');
  if (parts.length !== 3) return seatId;
  const [section = '', row, number] = parts;
  return `${sectionLabels.get(section) ?? section}, row ${row}, seat ${number}`;
}

const places = (count: number) => `${count} ${count === 1 ? 'place' : 'places'}`;

/**
 * The booking's places, one a line; while an offer is open, the places held for it, each with its
 * deadline (they are not the booking's until it is claimed).
 */
function renderPlaces({ booking, event }: Details): void {
  const labels = new Map(event.sections.map((section) => [section.id, section.label]));
  const describe = ({ seats, general }: Places) => [
    ...seats.map((seat) => describeSeat(seat, labels)),
    ...general.map((place) => `${places(place.quantity)} in ${labels.get(place.section) ?? place.section}`),
  ];
  const offer = booking.status === 'offered' ? booking.offer : undefined;
  const lines = offer
    ? describe(offer).map((line) => `${line} — held for you until ${formatWhen(offer.expiresAt)}`)
    : describe(booking);
  if (lines.length === 0) {
    lines.push(
      booking.status === 'waitlisted'
        ? `${places(booking.quantity)}, given when you move up`
        : places(booking.quantity),
    );
  }
  page.places.replaceChildren(
    ...lines.map((line) => {
      const item = document.createElement('li');
      item.textContent = line;
      return item;
    }),
  );
}

/** What the booking's status means, in the attendee's words. */
function describeStatus({ booking, event, statusChange }: Details): {
  heading: string;
  line: string;
  detail: string;
  showReason: boolean;
} {
  const count = places(booking.quantity);
  switch (booking.status) {
    case 'confirmed':
      return {
        heading: 'Your booking is confirmed',
        line: `Your ${count} for ${event.name} ${booking.quantity === 1 ? 'is' : 'are'} booked.`,
        detail: 'Show your booking reference at the entrance if you are asked for it.',
        showReason: false,
      };
    case 'waitlisted':
      return {
        heading: 'You are on the waitlist',
        line:
          booking.waitlistPosition === undefined
            ? `You are on the waitlist for ${count}.`
            : `You are number ${booking.waitlistPosition} in line for ${count}.`,
        detail: 'The event is sold out for now. When places free up for you, you get an email.',
        showReason: false,
      };
    case 'offered':
      return {
        heading: 'Places are held for you',
        line: `${count[0]?.toUpperCase()}${count.slice(1)} freed up and ${booking.quantity === 1 ? 'is' : 'are'} held for you until ${formatWhen(booking.offerExpiresAt ?? statusChange.at)}.`,
        detail:
          'Claim them before then to confirm your booking; after that they go to the next person in line.',
        showReason: false,
      };
    case 'expired':
      return {
        heading: 'This offer has expired',
        line: `The places held for you were not claimed in time, so on ${formatWhen(statusChange.at)} they passed to the next person in line.`,
        detail: 'This booking is closed. To go to the event, book again where you booked first.',
        showReason: false,
      };
    default: {
      if (event.status === 'cancelled') {
        return {
          heading: 'This event is cancelled',
          line: `${event.name} has been cancelled, and with it your booking.`,
          detail: 'The organizer will contact you about what happens next.',
          // The server records "event cancelled" when the organizer gave no reason: nothing to add.
          showReason: statusChange.reason !== 'event cancelled',
        };
      }
      const who = statusChange.by === 'attendee' ? 'You' : 'The organizer';
      return {
        heading: 'This booking is cancelled',
        line: `${who} cancelled this booking on ${formatWhen(statusChange.at)}.`,
        detail: 'Its places are no longer yours.',
        showReason: true,
      };
    }
  }
}

function cancelWording(status: Status) {
  if (status === 'waitlisted') {
    return {
      open: 'Leave the waitlist',
      heading: 'Leave the waitlist?',
      consequence: 'You lose your place in line, and everyone behind you moves up.',
      confirm: 'Yes, leave the waitlist',
      keep: 'Stay on the waitlist',
    };
  }
  if (status === 'offered') {
    return {
      open: 'I do not want these places',
      heading: 'Let these places go?',
      consequence: 'They go to the next person in line at once, and your booking is cancelled.',
      confirm: 'Yes, let them go',
      keep: 'Keep the offer',
    };
  }
  return {
    open: 'Cancel my booking',
    heading: 'Cancel your booking?',
    consequence: 'Your places are released for other people at once. This cannot be undone.',
    confirm: 'Yes, cancel my booking',
    keep: 'Keep my booking',
  };
}

function render(details: Details): void {
  const { booking, event, statusChange } = details;
  const status = describeStatus(details);
  page.statusLine.textContent = status.line;
  page.statusDetail.textContent = status.detail;
  page.statusReason.hidden = !(status.showReason && statusChange.reason);
  page.statusReason.textContent = statusChange.reason ? `Reason given: ${statusChange.reason}` : '';

  setText('event-name', event.name);
  const when = byId('event-when', HTMLTimeElement);
  when.dateTime = event.startsAt;
  when.textContent = formatWhen(event.startsAt);
  setText('event-venue', event.venue);
  renderPlaces(details);
  setText('attendee-name', booking.attendee.name);
  setText('reference', booking.id);

  const open =
    booking.status === 'confirmed' || booking.status === 'waitlisted' || booking.status === 'offered';
  const wording = cancelWording(booking.status);
  page.claim.hidden = booking.status !== 'offered';
  page.cancelOpen.hidden = !open;
  page.cancelOpen.textContent = wording.open;
  page.cancelOpen.setAttribute('aria-expanded', 'false');
  page.cancelHeading.textContent = wording.heading;
  setText('cancel-consequence', wording.consequence);
  page.cancelConfirm.textContent = wording.confirm;
  page.cancelKeep.textContent = wording.keep;
  page.cancelForm.hidden = true;
  page.cancelForm.reset();
  page.actionError.textContent = '';
  states.show('booking', status.heading);
}

function describeFailure(error: unknown): string {
  return commonFailure(error) ?? (error instanceof ApiError ? error.message : String(error));
}

/**
 * Runs one action with its button disabled (a double click cannot send it twice) and busy text.
 */
async function whileBusy(
  button: HTMLButtonElement,
  busyLabel: string,
  work: () => Promise<void>,
): Promise<void> {
  if (button.disabled) return;
  states.personActed();
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyLabel;
  page.booking.setAttribute('aria-busy', 'true');
  try {
    await work();
  } finally {
    if (button.textContent === busyLabel) button.textContent = label;
    button.disabled = false;
    page.booking.removeAttribute('aria-busy');
  }
}

function loadDetails(id: string, token: string): Promise<Details> {
  return api<Details>(`/bookings/${encodeURIComponent(id)}`, { headers: { 'x-manage-token': token } });
}

function wireActions(id: string, token: string): void {
  /** After a refused action the booking changed elsewhere (expired, cancelled): show what it is now. */
  async function refresh() {
    try {
      render(await loadDetails(id, token));
    } catch {
      showUnknownLink();
    }
  }

  async function failed(error: unknown, button: HTMLButtonElement): Promise<void> {
    if (error instanceof ApiError && (error.status === 409 || error.status === 404)) return refresh();
    page.actionError.textContent = describeFailure(error);
    button.focus();
  }

  page.claim.addEventListener('click', () =>
    whileBusy(page.claim, 'Claiming…', async () => {
      page.actionError.textContent = '';
      try {
        await api(`/bookings/${encodeURIComponent(id)}/claim`, {
          method: 'POST',
          body: { manageToken: token },
        });
        render(await loadDetails(id, token));
      } catch (error) {
        await failed(error, page.claim);
      }
    }),
  );

  page.cancelOpen.addEventListener('click', () => {
    page.actionError.textContent = '';
    page.cancelForm.hidden = false;
    page.cancelOpen.setAttribute('aria-expanded', 'true');
    page.cancelHeading.focus();
  });

  page.cancelKeep.addEventListener('click', () => {
    page.cancelForm.hidden = true;
    page.cancelForm.reset();
    page.cancelOpen.setAttribute('aria-expanded', 'false');
    page.cancelOpen.focus();
  });

  page.cancelForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const reason = page.cancelReason.value.trim();
    return whileBusy(page.cancelConfirm, 'Cancelling…', async () => {
      page.actionError.textContent = '';
      try {
        await api(`/bookings/${encodeURIComponent(id)}/cancel`, {
          method: 'POST',
          body: reason ? { manageToken: token, reason } : { manageToken: token },
        });
        render(await loadDetails(id, token));
      } catch (error) {
        await failed(error, page.cancelConfirm);
      }
    });
  });
}

/**
 * The booking id is the last part of the path; the token is the fragment, bare (`#mt_…`) or named
 * (`#t=mt_…`). A malformed escape makes the link unknown.
 */
function linkParts(): { id: string; token: string } {
  const hash = window.location.hash.slice(1);
  const named = new URLSearchParams(hash).get('t');
  try {
    return {
      id: decodeURIComponent(window.location.pathname.split('/').pop() ?? ''),
      token: named ?? decodeURIComponent(hash),
    };
  } catch {
    return { id: '', token: '' };
  }
}

async function start() {
  const { id, token } = linkParts();
  if (!id || !token) return showUnknownLink();
  let details: Details;
  try {
    details = await loadDetails(id, token);
  } catch (error) {
    // 400: not even shaped like a booking id; 404: no such booking, or not this token.
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return showUnknownLink();
    return states.notLoaded('Your booking could not be loaded', error);
  }
  wireActions(id, token);
  return render(details);
}

start();
