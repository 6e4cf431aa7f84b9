-- 004: who may see what — organizations, users, memberships, refresh tokens, invitations, room
-- claims, audit events; org_id on every tenant table; row-level security for the application role.
--
-- Two kinds of connection use these tables (gateway/src/db/Database.ts):
-- * the owner connection (migrations, the live recording path, the job worker, sign-in and token
--   checks, which must find a row before the organization is known);
-- * the application connection, running as role `lectern_app`, for everything a signed-in request
--   reads or changes. RLS applies to it: each transaction sets `lectern.org_id`, `lectern.user_id`
--   and `lectern.role` (set_config(..., true)), and the policies below allow only that
--   organization's rows — and inside it only what the role may see (README, "Who may see what").
--   Outside such a transaction the settings are empty and every policy matches nothing.

DO $$
BEGIN
  CREATE ROLE lectern_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- cluster-wide; another schema made it
END $$;
DO $$
BEGIN
  EXECUTE format('GRANT lectern_app TO %I', current_user);
EXCEPTION WHEN OTHERS THEN NULL; -- a superuser needs no membership
END $$;

CREATE TABLE orgs (
  id             text PRIMARY KEY,
  name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
  -- recordings (sessions) older than this are deleted by the daily retention job; null = keep
  retention_days integer CHECK (retention_days BETWEEN 1 AND 3650),
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id                   uuid PRIMARY KEY,
  -- lower-cased, trimmed
  email                text NOT NULL UNIQUE,
  -- argon2id PHC string ($argon2id$v=19$m=19456,t=2,p=1$…), OWASP Password Storage Cheat Sheet
  password_hash        text NOT NULL,
  display_name         text NOT NULL,
  recording_consent_at timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  org_id     text NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('owner', 'admin', 'coach', 'presenter')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE invitations (
  id           uuid PRIMARY KEY,
  org_id       text NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('org', 'room')),
  room_id      text,
  role         text NOT NULL CHECK (role IN ('admin', 'coach', 'presenter', 'viewer')),
  created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  single_use   boolean NOT NULL DEFAULT false,
  allow_guests boolean NOT NULL DEFAULT false,
  uses         integer NOT NULL DEFAULT 0,
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_org_idx ON invitations (org_id, created_at DESC);

-- Rotating refresh tokens (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14): one row per issued
-- token, only its SHA-256 stored; a token is spent when rotated; presenting a spent token revokes
-- its whole family. Guests' families carry the invitation and display name.
CREATE TABLE refresh_tokens (
  id            uuid PRIMARY KEY,
  family_id     uuid NOT NULL,
  org_id        text NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id       uuid REFERENCES users (id) ON DELETE CASCADE,
  invitation_id uuid REFERENCES invitations (id) ON DELETE CASCADE,
  guest_name    text,
  guest_room_id text,
  token_sha256  bytea NOT NULL UNIQUE,
  expires_at    timestamptz NOT NULL,
  spent_at      timestamptz,
  revoked_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Room names are per organization; the first presenter to take one keeps it.
CREATE TABLE rooms (
  org_id        text NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  name          text NOT NULL,
  owner_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, name)
);

CREATE TABLE audit_events (
  id            uuid PRIMARY KEY,
  org_id        text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now(),
  kind          text NOT NULL,
  actor_user_id uuid,
  actor_email   text,
  target        text,
  ip            text,
  request_id    text,
  detail        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_org_idx ON audit_events (org_id, at DESC, id DESC);

-- Sessions: the presenter's account and whether the org's coaches may see it. Rows recorded before
-- accounts existed keep org 'local' until the owner account is created, which moves them into the
-- owner's organization (gateway/src/access/AccountService.ts).
ALTER TABLE sessions ALTER COLUMN org_id DROP DEFAULT;
ALTER TABLE sessions ADD COLUMN owner_user_id uuid REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD COLUMN shared_with_coaches boolean NOT NULL DEFAULT false;
CREATE INDEX sessions_org_started_idx ON sessions (org_id, started_at DESC, id DESC);
ALTER TABLE participants ADD COLUMN user_id uuid;

-- org_id on every table of a session's data, filled from the session on insert.
CREATE FUNCTION lectern_inherit_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.org_id IS NULL THEN
    SELECT s.org_id INTO NEW.org_id FROM sessions s WHERE s.id = NEW.session_id;
    -- the same error the foreign key would raise (writers drop rows of deleted sessions on 23503)
    IF NOT FOUND THEN
      RAISE foreign_key_violation USING MESSAGE = format('session %s does not exist', NEW.session_id);
    END IF;
  END IF;
  RETURN NEW;
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['participants', 'media_objects', 'metric_frames', 'pauses', 'transcript_words',
                           'disfluency_events', 'coach_comments', 'analysis_jobs', 'session_analyses', 'session_scores'] LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN org_id text', t);
    EXECUTE format('UPDATE %I c SET org_id = s.org_id FROM sessions s WHERE s.id = c.session_id', t);
    EXECUTE format('ALTER TABLE %I ALTER COLUMN org_id SET NOT NULL', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON %I FOR EACH ROW EXECUTE FUNCTION lectern_inherit_org()', t || '_org', t);
  END LOOP;
END $$;

-- The request's identity, from the per-transaction settings (empty outside one → NULL).
CREATE FUNCTION lectern_org() RETURNS text LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('lectern.org_id', true), '') $$;
CREATE FUNCTION lectern_user() RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('lectern.user_id', true), '')::uuid $$;
CREATE FUNCTION lectern_role() RETURNS text LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('lectern.role', true), '') $$;
-- Whether the request's user took part in a session (coach invited to it). SECURITY DEFINER reads
-- participants without its own policy (which refers back to sessions).
CREATE FUNCTION lectern_took_part(sid uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS
  $$ SELECT EXISTS (SELECT 1 FROM participants p WHERE p.session_id = sid AND p.user_id = lectern_user()) $$;

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
-- See: owner and admins everything in the org; presenters their own; coaches what was shared with
-- the org's coaches and the sessions they took part in.
CREATE POLICY sessions_select ON sessions FOR SELECT TO lectern_app USING (
  org_id = lectern_org() AND (
    lectern_role() IN ('owner', 'admin') OR owner_user_id = lectern_user()
    OR (lectern_role() = 'coach' AND (shared_with_coaches OR lectern_took_part(id)))));
-- Change or delete: owner and admins, and the session's presenter.
CREATE POLICY sessions_update ON sessions FOR UPDATE TO lectern_app
  USING (org_id = lectern_org() AND (lectern_role() IN ('owner', 'admin') OR owner_user_id = lectern_user()))
  WITH CHECK (org_id = lectern_org());
CREATE POLICY sessions_delete ON sessions FOR DELETE TO lectern_app
  USING (org_id = lectern_org() AND (lectern_role() IN ('owner', 'admin') OR owner_user_id = lectern_user()));

-- A session's rows: visible when the session is (the sub-select is itself filtered by the policy above).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['participants', 'media_objects', 'metric_frames', 'pauses', 'transcript_words',
                           'disfluency_events', 'coach_comments', 'analysis_jobs', 'session_analyses', 'session_scores'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR ALL TO lectern_app USING (org_id = lectern_org() AND session_id IN (SELECT id FROM sessions)) WITH CHECK (org_id = lectern_org())', t || '_tenant', t);
  END LOOP;
END $$;

ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
CREATE POLICY orgs_select ON orgs FOR SELECT TO lectern_app USING (id = lectern_org());
CREATE POLICY orgs_update ON orgs FOR UPDATE TO lectern_app USING (id = lectern_org() AND lectern_role() IN ('owner', 'admin'));

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
CREATE POLICY memberships_select ON memberships FOR SELECT TO lectern_app USING (org_id = lectern_org());
CREATE POLICY memberships_change ON memberships FOR UPDATE TO lectern_app
  USING (org_id = lectern_org() AND lectern_role() IN ('owner', 'admin')) WITH CHECK (org_id = lectern_org());
CREATE POLICY memberships_delete ON memberships FOR DELETE TO lectern_app
  USING (org_id = lectern_org() AND (lectern_role() IN ('owner', 'admin') OR user_id = lectern_user()));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_select ON users FOR SELECT TO lectern_app
  USING (id = lectern_user() OR id IN (SELECT user_id FROM memberships));
CREATE POLICY users_update ON users FOR UPDATE TO lectern_app USING (id = lectern_user());

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
CREATE POLICY invitations_tenant ON invitations FOR ALL TO lectern_app
  USING (org_id = lectern_org()) WITH CHECK (org_id = lectern_org());

ALTER TABLE rooms ENABLE ROW LEVEL SECURITY;
CREATE POLICY rooms_tenant ON rooms FOR ALL TO lectern_app
  USING (org_id = lectern_org()) WITH CHECK (org_id = lectern_org());

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_select ON audit_events FOR SELECT TO lectern_app
  USING (org_id = lectern_org() AND lectern_role() IN ('owner', 'admin'));
CREATE POLICY audit_insert ON audit_events FOR INSERT TO lectern_app WITH CHECK (org_id = lectern_org());

-- refresh_tokens: RLS on and no policy: the application role sees none (only the owner connection).
ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;

DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO lectern_app', current_schema());
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO lectern_app', current_schema());
  EXECUTE format('REVOKE ALL ON %I.schema_migrations FROM lectern_app', current_schema());
END $$;
