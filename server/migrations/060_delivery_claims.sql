-- Up Migration
-- The worker sends outside any transaction: it claims a message's pending deliveries (a token and a
-- lease) in one short transaction, sends, then records the outcome in another. A claim whose lease
-- has run out belongs to a worker that hung mid-send, and one whose worker (claimed_by) no longer
-- holds its liveness lock belongs to a worker that died; the message's next copy takes it over.
ALTER TABLE notification_deliveries
  ADD COLUMN claim_token uuid,
  ADD COLUMN claimed_until timestamptz,
  ADD COLUMN claimed_by text;

-- Down Migration
ALTER TABLE notification_deliveries
  DROP COLUMN claimed_by,
  DROP COLUMN claimed_until,
  DROP COLUMN claim_token;
