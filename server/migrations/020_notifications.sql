-- Up Migration
-- Notification delivery: what the worker did with each message, per channel and target.

-- Messages fully handled (every delivery sent or permanently failed). Written in the same
-- transaction as the last delivery record, so a redelivered message is recognised and not sent
-- to anyone again (DESIGN invariant 3: at-least-once on the wire, once for the person).
CREATE TABLE notification_inbox (
  message_id uuid PRIMARY KEY,
  org_id uuid NOT NULL,
  type text NOT NULL,
  completed_at timestamptz NOT NULL DEFAULT now()
);

-- Webhook endpoints an organization registers. The secret signs deliveries (Standard Webhooks);
-- after a rotation the previous secret also signs until previous_secret_expires_at, so receivers
-- can switch without dropping deliveries.
CREATE TABLE webhook_endpoints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  url text NOT NULL,
  description text NOT NULL DEFAULT '',
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz
);
CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (org_id);

-- One row per (message, channel, target): the unit that is sent once.
CREATE TABLE notification_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  message_id uuid NOT NULL,
  org_id uuid NOT NULL,
  type text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'webhook', 'in_app')),
  -- email address, webhook endpoint id, or organization id (in-app)
  target text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  UNIQUE (message_id, channel, target)
);
CREATE INDEX notification_deliveries_org_idx ON notification_deliveries (org_id, created_at DESC);
CREATE INDEX notification_deliveries_updated_idx ON notification_deliveries (updated_at) WHERE status <> 'pending';

-- The console's inbox.
CREATE TABLE in_app_notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL,
  message_id uuid NOT NULL UNIQUE,
  type text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  event_id uuid,
  booking_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz
);
CREATE INDEX in_app_notifications_org_idx ON in_app_notifications (org_id, created_at DESC);

-- Invitations: only a hash of the token is stored; the token itself travels in the email.
CREATE TABLE invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  email text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'organizer', 'viewer')),
  token_hash text NOT NULL UNIQUE,
  invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_by uuid REFERENCES users (id) ON DELETE SET NULL
);
-- One open invitation per address and organization: inviting again replaces the old one.
CREATE UNIQUE INDEX invitations_pending_key ON invitations (org_id, lower(email)) WHERE status = 'pending';

-- Down Migration
DROP TABLE invitations;
DROP TABLE in_app_notifications;
DROP TABLE notification_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE notification_inbox;
