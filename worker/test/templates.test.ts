import { randomUUID } from 'node:crypto';
import { webhookEvent } from '@happening/delivery';
import type { PersonalNotificationMessage as NotificationMessage } from '@happening/shared';
import { describe, expect, it } from 'vitest';
import { renderEmail, renderInApp } from '../src/templates/index.js';

const booking = {
  id: randomUUID(),
  occurredAt: '2030-01-01T10:00:00.000Z',
  orgId: randomUUID(),
  eventId: randomUUID(),
  bookingId: randomUUID(),
  event: {
    id: randomUUID(),
    name: 'Jazz & <Blues>',
    startsAt: '2030-05-01T19:30:00.000Z',
    venue: 'Hall "A"',
  },
  attendee: { email: 'ada@example.test', name: '<script>alert(1)</script>' },
  seats: ['orch-A-1'],
  general: [{ section: 'floor', quantity: 2 }],
  quantity: 3,
};

const all: NotificationMessage[] = [
  { ...booking, type: 'booking_confirmed' },
  { ...booking, type: 'booking_waitlisted', waitlistPosition: 7 },
  { ...booking, type: 'waitlist_promoted', mode: 'auto' },
  { ...booking, type: 'booking_cancelled' },
  { ...booking, type: 'event_cancelled', reason: 'Storm' },
  {
    type: 'invitation_received',
    id: randomUUID(),
    occurredAt: booking.occurredAt,
    orgId: booking.orgId,
    invitationId: randomUUID(),
    invitee: { email: 'new@example.test' },
    role: 'viewer',
    organizationName: 'Harbour <Concerts>',
    invitedBy: 'Grace',
    acceptUrl: 'https://example.test/invitations#inv_abc&x=1',
  },
];

describe('email templates', () => {
  it('renders a text and an HTML version for every type, to the right person', () => {
    for (const message of all) {
      const email = renderEmail(message);
      expect(email.to).toBe(message.type === 'invitation_received' ? 'new@example.test' : 'ada@example.test');
      expect(email.subject.length).toBeGreaterThan(10);
      expect(email.text.length).toBeGreaterThan(20);
      expect(email.html).toMatch(/^<!doctype html>/);
      expect(renderInApp(message).title.length).toBeGreaterThan(3);
    }
  });

  it('escapes what people typed in the HTML version and keeps the text version literal', () => {
    const confirmed = renderEmail(all[0]!);
    expect(confirmed.html).not.toContain('<script>');
    expect(confirmed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(confirmed.html).toContain('Jazz &amp; &lt;Blues&gt;');
    expect(confirmed.text).toContain('Hello <script>alert(1)</script>,');
    expect(confirmed.text).toContain('orch-A-1 and 2 × floor');
    const invitation = renderEmail(all[5]!);
    expect(invitation.html).toContain('href="https://example.test/invitations#inv_abc&amp;x=1"');
    expect(invitation.subject).toBe('Grace invited you to Harbour <Concerts> on Happening');
    // Says what the page behind the link (server/src/invitation-page) offers.
    expect(invitation.text).toContain(
      'On that page you sign in, or create your account for new@example.test if you have none yet.',
    );
  });

  it("puts the accept link in the invitee's email only: not in the in-app line, not in webhooks", () => {
    const invitation = all[5] as Extract<NotificationMessage, { type: 'invitation_received' }>;
    expect(renderEmail(invitation).text).toContain(invitation.acceptUrl);
    const inApp = renderInApp(invitation);
    expect(JSON.stringify(inApp)).not.toContain('inv_abc');
    expect(JSON.stringify(inApp)).not.toContain('/invitations');
    const hook = webhookEvent(invitation);
    expect(JSON.stringify(hook)).not.toContain('inv_abc');
    expect(hook.data).toEqual({ ...invitation, acceptUrl: undefined });
    expect(Object.keys(hook.data as object)).not.toContain('acceptUrl');
    // Booking messages go out whole: their manage link is the organization's own to use.
    expect(webhookEvent(all[0]!).data).toEqual(all[0]);
  });

  it('says what changed for each type', () => {
    expect(renderEmail(all[1]!).text).toContain('number 7 on the waitlist for 3 places');
    expect(renderEmail(all[2]!).subject).toBe('Good news: your places for Jazz & <Blues> are confirmed');
    expect(renderEmail(all[4]!).text).toContain('Reason: Storm');
    expect(renderEmail(all[4]!).text).toContain('Wednesday, 1 May 2030 at 19:30 UTC');
  });

  it('links each booking email to the booking page, labelled with what the page offers then', () => {
    const manageUrl = 'https://tickets.example.test/bookings/b1#mt_abc';
    const withLink = (message: NotificationMessage) => ({ ...message, manageUrl }) as NotificationMessage;
    const linkOf = (message: NotificationMessage) => {
      const email = renderEmail(withLink(message));
      const label = email.html.match(/<a href="([^"]+)"[^>]*>([^<]+)<\/a>/);
      return { href: label?.[1], label: label?.[2], text: email.text };
    };
    expect(linkOf(all[0]!)).toMatchObject({ href: manageUrl, label: 'See or cancel your booking' });
    const waitlisted = linkOf(all[1]!);
    expect(waitlisted).toMatchObject({ href: manageUrl, label: 'See your place in line' });
    expect(waitlisted.text).toContain('Keep this email');
    expect(waitlisted.text).toContain(`See your place in line: ${manageUrl}`);
    const offer: NotificationMessage = {
      ...booking,
      type: 'waitlist_promoted',
      mode: 'offer',
      offerExpiresAt: '2030-04-30T12:00:00.000Z',
    };
    const offerWithLink = linkOf(offer);
    expect(offerWithLink).toMatchObject({ href: manageUrl, label: 'Claim my places' });
    expect(offerWithLink.text).toContain('Open your booking page below and press “Claim my places”.');
    expect(offerWithLink.text).toContain(`Claim my places: ${manageUrl}`);
    expect(offerWithLink.text).not.toContain('email that put you on the waitlist');
    // Cancellations link to the page too: it says who cancelled, when, and the reason given.
    expect(linkOf(all[3]!)).toMatchObject({ href: manageUrl, label: 'See your booking' });
    expect(linkOf(all[4]!)).toMatchObject({ href: manageUrl, label: 'See your booking' });
    expect(renderEmail(all[3]!).html).not.toContain('<a ');
    // Without its own link, the offer points to the waitlist email's link and the page's button.
    const offerWithoutLink = renderEmail(offer);
    expect(offerWithoutLink.html).not.toContain('<a ');
    expect(offerWithoutLink.text).toContain(
      'To claim them, open the link in the email that put you on the waitlist and press “Claim my places” on that page.',
    );
    expect(offerWithoutLink.text).toContain('Claim them before Tuesday, 30 April 2030 at 12:00 UTC.');
  });
});
