-- Up Migration
-- One row per signed-in session token (the token's `jti`). A token is accepted only while its row
-- exists and has not expired, so signing out, "sign out everywhere" and a password change take
-- effect at once on every server: each request reads the row, no server caches it.
CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id, expires_at);

-- Bumped by every password change (not by a rehash at a higher cost). A login records its session
-- only if the version it verified against is still current, so a login racing a password change
-- cannot leave a session behind that the change meant to end.
ALTER TABLE users ADD COLUMN password_version integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE users DROP COLUMN password_version;
DROP TABLE sessions;
