-- Up Migration
-- Per-address hold caps and proof of work, per event (docs/security.md, "Holding is capped per
-- attendee, per event" and "Proof of work"). The inventory loader copies the caps into the
-- event's Redis meta, where the hold script enforces them.
ALTER TABLE events
  -- NULL: 2 × max_seats_per_booking, so the cap follows the per-booking limit unless set.
  ADD COLUMN max_seats_per_address integer CHECK (max_seats_per_address BETWEEN 1 AND 10000),
  ADD COLUMN max_holds_per_address integer NOT NULL DEFAULT 4 CHECK (max_holds_per_address BETWEEN 1 AND 1000),
  ADD COLUMN proof_of_work boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE events
  DROP COLUMN max_seats_per_address,
  DROP COLUMN max_holds_per_address,
  DROP COLUMN proof_of_work;
