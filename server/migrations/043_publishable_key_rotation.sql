-- Up Migration
-- Rotating the publishable key keeps the previous one working until its expiry, so partner pages
-- that embed it can be updated; after that (or at the next rotation) it is refused everywhere.
ALTER TABLE organizations
  ADD COLUMN previous_publishable_key text UNIQUE,
  ADD COLUMN previous_publishable_key_expires_at timestamptz,
  ADD CONSTRAINT organizations_previous_publishable_key_expiry
    CHECK ((previous_publishable_key IS NULL) = (previous_publishable_key_expires_at IS NULL));

-- Down Migration
ALTER TABLE organizations
  DROP CONSTRAINT organizations_previous_publishable_key_expiry,
  DROP COLUMN previous_publishable_key_expires_at,
  DROP COLUMN previous_publishable_key;
