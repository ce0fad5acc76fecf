-- Up Migration
-- Sale windows and the waiting room (docs/waiting-room.md). The line itself lives in Redis; these
-- are the organizer's settings, read on every hold and join (through the event cache).
ALTER TABLE events
  ADD COLUMN on_sale_at timestamptz,
  ADD COLUMN off_sale_at timestamptz,
  ADD COLUMN sale_paused boolean NOT NULL DEFAULT false,
  ADD COLUMN waiting_room_enabled boolean NOT NULL DEFAULT false,
  ADD COLUMN admit_per_minute integer CHECK (admit_per_minute > 0),
  ADD COLUMN max_active_shoppers integer CHECK (max_active_shoppers > 0),
  ADD CONSTRAINT events_sale_window CHECK (on_sale_at IS NULL OR off_sale_at IS NULL OR off_sale_at > on_sale_at);

-- Down Migration
ALTER TABLE events
  DROP CONSTRAINT events_sale_window,
  DROP COLUMN max_active_shoppers,
  DROP COLUMN admit_per_minute,
  DROP COLUMN waiting_room_enabled,
  DROP COLUMN sale_paused,
  DROP COLUMN off_sale_at,
  DROP COLUMN on_sale_at;
