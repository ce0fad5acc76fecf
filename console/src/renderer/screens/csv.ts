/** CSV export of bookings (RFC 4180 quoting; formula-looking cells are defused for spreadsheets). */
import type { Booking } from '@happening/shared';

export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  // A cell starting with = + - @ would run as a formula in Excel or LibreOffice.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function bookingsCsv(bookings: Booking[]): string {
  const header = [
    'id',
    'status',
    'attendee_name',
    'attendee_email',
    'quantity',
    'seats',
    'general',
    'created_at',
  ];
  const rows = bookings.map((b) => [
    b.id,
    b.status,
    b.attendee.name,
    b.attendee.email,
    b.quantity,
    b.seats.join(' '),
    b.general.map((g) => `${g.section}:${g.quantity}`).join(' '),
    b.createdAt,
  ]);
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
