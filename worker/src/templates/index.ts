/**
 * What each notification says, by channel: an email (subject, text and HTML) and a short in-app
 * line for the console. One function per message type keeps every type's wording in one place;
 * the switch is exhaustive, so a new type in shared/ fails the type-check until it has a template.
 * Hold events are webhooks only (routing.ts): they have no email and no in-app line.
 */
import type { PersonalNotificationMessage as NotificationMessage } from '@happening/shared';
import { type BookingMessage, describePlaces, escapeHtml, formatWhen } from './format.js';

export interface RenderedEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface InAppContent {
  title: string;
  body: string;
}

interface Content {
  subject: string;
  /** Paragraphs, plain text; the HTML version escapes them. */
  paragraphs: string[];
  action?: { label: string; url: string };
  inApp: InAppContent;
}

function eventLine(message: BookingMessage): string {
  return `${message.event.name}, ${formatWhen(message.event.startsAt)}, ${message.event.venue}`;
}

/**
 * The link to the attendee's booking page (`PUBLIC_URL/bookings/<id>#<token>`, server/src/booking-page),
 * labelled with what that page lets them do in this state, in the page's own words.
 */
function manage(message: BookingMessage, label = 'See or cancel your booking'): Content['action'] {
  return message.manageUrl ? { label, url: message.manageUrl } : undefined;
}

/**
 * The server puts the link in every booking email it can, rebuilding the token from the booking
 * id. A booking whose token was random (made before tokens were derived) gets offers without one:
 * those send the attendee to the link of the email that put them on the waitlist.
 */
function claimAdvice(message: Extract<BookingMessage, { type: 'waitlist_promoted' }>): string[] {
  if (message.mode !== 'offer') return [];
  return message.manageUrl
    ? ['Open your booking page below and press “Claim my places”.']
    : [
        'To claim them, open the link in the email that put you on the waitlist and press “Claim my places” on that page.',
      ];
}

function content(message: NotificationMessage): Content {
  switch (message.type) {
    case 'booking_confirmed':
      return {
        subject: `Booking confirmed: ${message.event.name}`,
        paragraphs: [
          `Hello ${message.attendee.name},`,
          `your booking for ${eventLine(message)} is confirmed: ${describePlaces(message)}.`,
          `Booking reference: ${message.bookingId}`,
        ],
        action: manage(message),
        inApp: {
          title: 'Booking confirmed',
          body: `${message.attendee.name} booked ${describePlaces(message)} for ${message.event.name}`,
        },
      };
    case 'booking_waitlisted':
      return {
        subject: `You are on the waitlist: ${message.event.name}`,
        paragraphs: [
          `Hello ${message.attendee.name},`,
          `${message.event.name} is sold out for now. You are number ${message.waitlistPosition} on the waitlist for ${message.quantity} ${message.quantity === 1 ? 'place' : 'places'}.`,
          'We will write again as soon as places free up for you.',
          `Event: ${eventLine(message)}`,
          ...(message.manageUrl
            ? [
                'Keep this email: its link shows your place in line, lets you leave the waitlist, and is where you claim places if they are offered to you.',
              ]
            : []),
        ],
        action: manage(message, 'See your place in line'),
        inApp: {
          title: 'Waitlisted',
          body: `${message.attendee.name} is #${message.waitlistPosition} on the waitlist of ${message.event.name}`,
        },
      };
    case 'waitlist_promoted':
      return {
        subject:
          message.mode === 'auto'
            ? `Good news: your places for ${message.event.name} are confirmed`
            : `Places are waiting for you: ${message.event.name}`,
        paragraphs: [
          `Hello ${message.attendee.name},`,
          message.mode === 'auto'
            ? `places freed up and your waitlisted booking is now confirmed: ${describePlaces(message)}.`
            : `places freed up and are held for you: ${describePlaces(message)}. Claim them before ${formatWhen(message.offerExpiresAt ?? '')}.`,
          ...claimAdvice(message),
          `Event: ${eventLine(message)}`,
        ],
        action: manage(message, message.mode === 'offer' ? 'Claim my places' : 'See or cancel your booking'),
        inApp: {
          title: 'Waitlist promoted',
          body: `${message.attendee.name} moved up from the waitlist of ${message.event.name} (${message.mode})`,
        },
      };
    case 'booking_cancelled':
      return {
        subject: `Booking cancelled: ${message.event.name}`,
        paragraphs: [
          `Hello ${message.attendee.name},`,
          `your booking for ${eventLine(message)} (${describePlaces(message)}) has been cancelled.`,
          ...(message.reason ? [`Reason: ${message.reason}`] : []),
          `Booking reference: ${message.bookingId}`,
        ],
        action: manage(message, 'See your booking'),
        inApp: {
          title: 'Booking cancelled',
          body: `${message.attendee.name} no longer holds ${describePlaces(message)} for ${message.event.name}`,
        },
      };
    case 'event_cancelled':
      return {
        subject: `Event cancelled: ${message.event.name}`,
        paragraphs: [
          `Hello ${message.attendee.name},`,
          `we are sorry: ${eventLine(message)} has been cancelled, and with it your booking (${describePlaces(message)}).`,
          ...(message.reason ? [`Reason: ${message.reason}`] : []),
          `Booking reference: ${message.bookingId}`,
        ],
        action: manage(message, 'See your booking'),
        inApp: {
          title: 'Event cancelled',
          body: `${message.attendee.name} was told that ${message.event.name} is cancelled`,
        },
      };
    case 'queue_opened':
      return {
        subject: `The line opened: ${message.event.name}`,
        paragraphs: [`The waiting room of ${message.event.name} opened with ${message.waiting} in line.`],
        inApp: {
          title: 'Waiting room opened',
          body: `${message.event.name} opened its line with ${message.waiting} waiting`,
        },
      };
    case 'queue_sold_out':
      return {
        subject: `Sold out: ${message.event.name}`,
        paragraphs: [`${message.event.name} sold out with ${message.waiting} still in line.`],
        inApp: {
          title: 'Sold out',
          body: `${message.event.name} sold out with ${message.waiting} still in line${message.waitlistOffered ? ', who were offered the waitlist' : ''}`,
        },
      };
    case 'invitation_received':
      return {
        subject: `${message.invitedBy} invited you to ${message.organizationName} on Happening`,
        paragraphs: [
          'Hello,',
          `${message.invitedBy} invited you to join ${message.organizationName} on Happening as ${message.role}.`,
          `Accept the invitation here: ${message.acceptUrl}`,
          // The same choice the page at that link offers, so the email sets the right expectation.
          `On that page you sign in, or create your account for ${message.invitee.email} if you have none yet.`,
          'If you did not expect this, ignore this email.',
        ],
        action: { label: 'Accept the invitation', url: message.acceptUrl },
        inApp: {
          title: 'Invitation sent',
          body: `${message.invitee.email} was invited as ${message.role} by ${message.invitedBy}`,
        },
      };
  }
}

/** Who gets the email; null for the waiting room's news, which goes to webhooks and the inbox only. */
export function recipientOf(message: NotificationMessage): string | null {
  if (message.type === 'queue_opened' || message.type === 'queue_sold_out') return null;
  return message.type === 'invitation_received' ? message.invitee.email : message.attendee.email;
}

export function renderEmail(message: NotificationMessage): RenderedEmail {
  const { subject, paragraphs, action } = content(message);
  const text = [...paragraphs, ...(action ? [`${action.label}: ${action.url}`] : [])].join('\n\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2328;">
${paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('\n')}
${action ? `<p><a href="${escapeHtml(action.url)}" style="background:#4f46e5;color:#fff;padding:8px 14px;border-radius:6px;text-decoration:none;">${escapeHtml(action.label)}</a></p>` : ''}
<p style="color:#656d76;font-size:12px;">Sent by Happening.</p>
</body></html>`;
  return { to: recipientOf(message) ?? '', subject, text, html };
}

export function renderInApp(message: NotificationMessage): InAppContent {
  return content(message).inApp;
}
