-- SPDX-License-Identifier: ISC
-- The planners' console (docs/console.md): who may sign in, their sessions,
-- and what they did.
--
-- * staffd.issue_console_link('alice', 'planner') returns a private sign-in
--   URL once, like issue_feed_url: 256 random bits of which only a SHA-256 is
--   stored. Issuing a new link for the same person revokes the old one;
--   staffd.revoke_console_link('alice') revokes it. Either way every session
--   opened with the old link ends at once: a session is only as good as its link.
-- * Roles: 'viewer' reads every page and download; 'planner' may also run
--   what-ifs and hire.
-- * Sessions are stored as the SHA-256 of the cookie's value, never the value.
-- * A hire from the console goes through staffd.console_hire(), which checks
--   the session and its role in the same statement as staffd.hire(), and
--   records who hired whom in staffd.console_audit.

CREATE TABLE staffd.console_links (
    id           bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    user_name    text NOT NULL
        CONSTRAINT console_user_name_is_visible_and_at_most_200_characters
        CHECK (staffd.is_visible_name(user_name) AND length(user_name) <= 200),
    role         text NOT NULL
        CONSTRAINT console_role_is_viewer_or_planner CHECK (role IN ('viewer', 'planner')),
    token_sha256 bytea NOT NULL UNIQUE
        CONSTRAINT console_link_hash_is_sha256 CHECK (length(token_sha256) = 32),
    issued_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    CONSTRAINT console_link_expires_after_it_is_issued CHECK (expires_at > issued_at)
);
CREATE UNIQUE INDEX console_links_one_live_per_user ON staffd.console_links (user_name)
    WHERE revoked_at IS NULL;
COMMENT ON TABLE staffd.console_links IS
    'Sign-in links of the planners'' console (staffd.issue_console_link); only a SHA-256 of each token is kept.';

CREATE TABLE staffd.console_sessions (
    token_sha256 bytea PRIMARY KEY
        CONSTRAINT console_session_hash_is_sha256 CHECK (length(token_sha256) = 32),
    link_id      bigint NOT NULL REFERENCES staffd.console_links (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    peer         text
);
CREATE INDEX console_sessions_link ON staffd.console_sessions (link_id);
COMMENT ON TABLE staffd.console_sessions IS
    'Signed-in browsers: the SHA-256 of the session cookie, the link it came from, until when.';

CREATE TABLE staffd.console_audit (
    id        bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    at        timestamptz NOT NULL DEFAULT now(),
    user_name text NOT NULL,
    action    text NOT NULL,
    detail    text NOT NULL
);
COMMENT ON TABLE staffd.console_audit IS 'What people did in the console: sign-ins, sign-outs, hires.';

-- A new sign-in URL for a person, returned once; the previous one (and every
-- session opened with it) ends.
CREATE FUNCTION staffd.issue_console_link(p_user text, p_role text DEFAULT 'viewer',
                                          p_valid_for interval DEFAULT interval '7 days')
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    token text;
    base  text;
BEGIN
    IF p_valid_for IS NULL OR p_valid_for <= interval '0' THEN
        RAISE EXCEPTION 'a console link must be valid for a positive interval, not %', p_valid_for
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE staffd.console_links SET revoked_at = now() WHERE user_name = p_user AND revoked_at IS NULL;
    token := rtrim(translate(encode(gen_random_bytes(32), 'base64'), '+/', '-_'), '=');
    INSERT INTO staffd.console_links (user_name, role, token_sha256, expires_at)
    VALUES (p_user, p_role, sha256(convert_to(token, 'UTF8')), now() + p_valid_for);
    SELECT value INTO base FROM staffd.settings WHERE key = 'public_base_url';
    RETURN rtrim(coalesce(base, ''), '/') || '/console/signin/' || token;
END
$$;
COMMENT ON FUNCTION staffd.issue_console_link(text, text, interval) IS
    'A private console sign-in URL for a person (role viewer or planner), returned once; the old one dies.';

-- Revokes a person's link; their sessions end at once. True when there was one.
CREATE FUNCTION staffd.revoke_console_link(p_user text) RETURNS boolean
LANGUAGE sql VOLATILE AS $$
    WITH r AS (
        UPDATE staffd.console_links SET revoked_at = now()
        WHERE user_name = p_user AND revoked_at IS NULL RETURNING 1
    )
    SELECT count(*) > 0 FROM r
$$;

-- The daemon's sign-in: a live link opens a session of p_hours. No row when
-- the link is unknown, revoked or expired.
CREATE FUNCTION staffd.console_sign_in(p_link_sha256 bytea, p_session_sha256 bytea, p_hours integer,
                                       p_peer text)
RETURNS TABLE (user_name text, role text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    l staffd.console_links%ROWTYPE;
BEGIN
    SELECT * INTO l FROM staffd.console_links c
    WHERE c.token_sha256 = p_link_sha256 AND c.revoked_at IS NULL AND c.expires_at > now();
    IF NOT FOUND THEN
        RETURN;
    END IF;
    DELETE FROM staffd.console_sessions s WHERE s.expires_at < now() - interval '1 day';
    INSERT INTO staffd.console_sessions (token_sha256, link_id, expires_at, peer)
    VALUES (p_session_sha256, l.id, now() + make_interval(hours => p_hours), p_peer);
    INSERT INTO staffd.console_audit (user_name, action, detail)
    VALUES (l.user_name, 'sign in', 'as ' || l.role || ' from ' || coalesce(p_peer, '?'));
    RETURN QUERY SELECT l.user_name, l.role, now() + make_interval(hours => p_hours);
END
$$;

-- The session behind a cookie: nothing when unknown, expired, or its link was revoked.
CREATE FUNCTION staffd.console_session(p_session_sha256 bytea)
RETURNS TABLE (user_name text, role text)
LANGUAGE sql STABLE AS $$
    SELECT l.user_name, l.role
    FROM staffd.console_sessions s JOIN staffd.console_links l ON l.id = s.link_id
    WHERE s.token_sha256 = p_session_sha256 AND s.expires_at > now() AND l.revoked_at IS NULL
$$;

CREATE FUNCTION staffd.console_sign_out(p_session_sha256 bytea) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    who text;
BEGIN
    DELETE FROM staffd.console_sessions s USING staffd.console_links l
    WHERE s.token_sha256 = p_session_sha256 AND l.id = s.link_id
    RETURNING l.user_name INTO who;
    IF who IS NOT NULL THEN
        INSERT INTO staffd.console_audit (user_name, action, detail) VALUES (who, 'sign out', '');
    END IF;
    RETURN who IS NOT NULL;
END
$$;

-- A hire from the console: the session must be live and a planner's, checked
-- in the same statement as the hire, so a link revoked a moment before cannot
-- hire. Returns the new agent's id.
CREATE FUNCTION staffd.console_hire(p_session_sha256 bytea, p_candidate_id bigint,
                                    p_contract_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    who   text;
    r     text;
    agent bigint;
BEGIN
    SELECT s.user_name, s.role INTO who, r FROM staffd.console_session(p_session_sha256) s;
    IF who IS NULL THEN
        RAISE EXCEPTION 'the console session is not valid (signed out, expired or revoked)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF r <> 'planner' THEN
        RAISE EXCEPTION '% is a %: only planners can hire', who, r
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    agent := staffd.hire(p_candidate_id, p_contract_id);
    INSERT INTO staffd.console_audit (user_name, action, detail)
    VALUES (who, 'hire', format('candidate %s as agent %s under contract %s', p_candidate_id, agent,
                                p_contract_id));
    RETURN agent;
END
$$;
