-- Up Migration
CREATE TABLE events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  starts_at timestamptz NOT NULL,
  venue text NOT NULL,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'on_sale', 'cancelled')),
  seat_map jsonb NOT NULL,
  capacity integer NOT NULL,
  hold_ttl_seconds integer NOT NULL DEFAULT 600,
  max_seats_per_booking integer NOT NULL DEFAULT 10,
  direct_booking boolean NOT NULL DEFAULT false,
  waitlist_enabled boolean NOT NULL DEFAULT true,
  waitlist_mode text NOT NULL DEFAULT 'auto' CHECK (waitlist_mode IN ('auto', 'offer')),
  offer_window_seconds integer NOT NULL DEFAULT 900,
  -- Bumped by every rebuild of the event's Redis inventory; versions seen by clients start at
  -- epoch × 10^9, so they keep increasing across rebuilds and clients notice the gap.
  inventory_epoch integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_org_idx ON events (org_id, starts_at);

-- One row per reserved seat, written when the event is published (the map is frozen then).
CREATE TABLE seats (
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  seat_id text NOT NULL,
  section_id text NOT NULL,
  blocked_reason text,
  PRIMARY KEY (event_id, seat_id)
);

-- General-admission capacity, enforced inside the booking transaction by a guarded UPDATE.
CREATE TABLE general_sections (
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  section_id text NOT NULL,
  capacity integer NOT NULL,
  booked integer NOT NULL DEFAULT 0,
  PRIMARY KEY (event_id, section_id),
  CONSTRAINT general_sections_within_capacity CHECK (booked >= 0 AND booked <= capacity)
);

CREATE SEQUENCE waitlist_seq;

CREATE TABLE bookings (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  org_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'offered', 'cancelled', 'expired')),
  quantity integer NOT NULL CHECK (quantity > 0),
  section_id text,
  general jsonb NOT NULL DEFAULT '[]',
  attendee_email text NOT NULL,
  attendee_name text NOT NULL,
  attendee_external_id text,
  manage_token_hash text NOT NULL,
  -- Strict FIFO order of the waitlist: taken from a sequence when the booking joins the line.
  waitlist_seq bigint,
  offer_seats jsonb,
  offer_expires_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bookings_event_idx ON bookings (event_id, created_at);
CREATE INDEX bookings_waitlist_idx ON bookings (event_id, waitlist_seq) WHERE status = 'waitlisted';
CREATE INDEX bookings_email_idx ON bookings (event_id, lower(attendee_email));

CREATE TABLE booking_seats (
  booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
  event_id uuid NOT NULL,
  seat_id text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  PRIMARY KEY (booking_id, seat_id),
  FOREIGN KEY (event_id, seat_id) REFERENCES seats (event_id, seat_id)
);
-- Invariant 1, second line of defence: no seat is in two active bookings, whatever Redis says.
CREATE UNIQUE INDEX booking_seats_one_active ON booking_seats (event_id, seat_id) WHERE active;

CREATE TABLE booking_history (
  id bigserial PRIMARY KEY,
  booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
  status text NOT NULL,
  actor text NOT NULL,
  reason text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX booking_history_booking_idx ON booking_history (booking_id, at);

-- Stripe-style idempotency: the first answer is kept 24 h and replayed for the same key and body.
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('in_flight', 'done')),
  response_status integer,
  response_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Down Migration
DROP TABLE idempotency_keys;
DROP TABLE booking_history;
DROP TABLE booking_seats;
DROP TABLE bookings;
DROP SEQUENCE waitlist_seq;
DROP TABLE general_sections;
DROP TABLE seats;
DROP TABLE events;
