-- SPDX-License-Identifier: ISC
-- Feeds that tell the whole truth (issue #12, finding 7).
--
-- * A rename reaches the feeds at once. An agent's name is its calendar's
--   name: agents.name_changed_at records when it last changed, and the feed's
--   Last-Modified is never earlier. A queue's name is in the SUMMARY of its
--   shifts: each one a feed may still show gets SEQUENCE + 1 and a new
--   updated_at (its LAST-MODIFIED, and so the feed's Last-Modified). Either way
--   the daemon hears 'feeds:{agent ids}' on staffd_changed and renders those
--   feeds again, without waiting for its periodic refresh.
-- * A revoked URL dies as soon as the daemon hears of it: a live token that is
--   revoked, replaced or deleted is announced on the channel staffd_revoked
--   with its SHA-256 in hex. The daemon listens there on a connection of its
--   own that runs no queries, so neither a planning run nor a lock delays it.
-- * A cancelled event's SUMMARY now starts "Cancelled: ": the cancelled shifts
--   a feed may still show get SEQUENCE + 1 once, so clients take the new title.

ALTER TABLE staffd.agents ADD COLUMN name_changed_at timestamptz;
COMMENT ON COLUMN staffd.agents.name_changed_at IS
    'When the name last changed (kept by trigger agent_name_changed_at; NULL if never). The agent''s feed is named after it, so its Last-Modified is never earlier.';

-- Kept by the database, whatever a client writes: a feed begins when its URL is
-- issued, so an insert needs no instant; the real time of the change, not the
-- transaction's start, narrows the window in which a client could fetch the
-- old name with a Last-Modified as late as the new one's.
CREATE FUNCTION staffd.keep_agent_name_changed_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.name_changed_at := NULL;
    ELSIF NEW.name IS DISTINCT FROM OLD.name THEN
        NEW.name_changed_at := clock_timestamp();
    ELSE
        NEW.name_changed_at := OLD.name_changed_at;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER agent_name_changed_at BEFORE INSERT OR UPDATE ON staffd.agents
    FOR EACH ROW EXECUTE FUNCTION staffd.keep_agent_name_changed_at();

-- Asks the daemon to render these agents' feeds again: 'feeds:{3,5}', or
-- 'feeds' (every feed) when the list would not fit in a notification's 8000
-- bytes. Agents without a live URL have no feed and are left out.
CREATE FUNCTION staffd.notify_feeds(p_agents bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    live bigint[];
BEGIN
    SELECT array_agg(DISTINCT t.agent_id ORDER BY t.agent_id) INTO live
    FROM staffd.feed_tokens t
    WHERE t.agent_id = ANY (p_agents) AND t.revoked_at IS NULL;
    IF live IS NOT NULL THEN
        PERFORM pg_notify('staffd_changed',
                          CASE WHEN length(live::text) <= 7000 THEN 'feeds:' || live::text
                               ELSE 'feeds' END);
    END IF;
END
$$;

-- After an UPDATE of agents or queues (per statement, so a bulk rename sends
-- one notification): the feeds that show a changed name. A queue's shifts that
-- a feed may still show are those that ended less than 30 days before the
-- planner's clock (feeds_shifts_sql in daemon/feeds.c); the clock is the last
-- run's planned_at, or now() when that is later, so a clock fixed ahead of
-- real time (tests, rehearsals) bumps a little more, never less. Bumping
-- needs staffd.writer (shifts are output), which is set only for this UPDATE
-- and then put back, so the renaming transaction gains no right to write
-- output tables.
CREATE FUNCTION staffd.feeds_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    renamed bigint[];
    agents  bigint[];
    writer  text;
    since   timestamptz;
    at      timestamptz := clock_timestamp();
BEGIN
    SELECT array_agg(n.id) INTO renamed
    FROM renamed_new n JOIN renamed_old o ON o.id = n.id
    WHERE n.name IS DISTINCT FROM o.name;
    IF renamed IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'agents' THEN
        agents := renamed;
    ELSE
        since := least(now(), coalesce((SELECT r.planned_at FROM staffd.runs r
                                        WHERE r.planned_at IS NOT NULL ORDER BY r.id DESC LIMIT 1),
                                       now())) - interval '30 days';
        writer := current_setting('staffd.writer', true);
        PERFORM set_config('staffd.writer', 'on', true);
        WITH bumped AS (
            UPDATE staffd.shifts SET sequence = sequence + 1, updated_at = at
            WHERE queue_id = ANY (renamed) AND ends > since
            RETURNING agent_id
        ) SELECT array_agg(DISTINCT agent_id) INTO agents FROM bumped;
        PERFORM set_config('staffd.writer', coalesce(writer, ''), true);
    END IF;
    IF agents IS NOT NULL THEN
        PERFORM staffd.notify_feeds(agents);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER agents_renamed AFTER UPDATE ON staffd.agents
    REFERENCING OLD TABLE AS renamed_old NEW TABLE AS renamed_new
    FOR EACH STATEMENT EXECUTE FUNCTION staffd.feeds_renamed();
CREATE TRIGGER queues_renamed AFTER UPDATE ON staffd.queues
    REFERENCING OLD TABLE AS renamed_old NEW TABLE AS renamed_new
    FOR EACH STATEMENT EXECUTE FUNCTION staffd.feeds_renamed();

-- A URL stops working when its token stops being live: revoked (by
-- revoke_feed_url, or by issue_feed_url replacing it), changed, or deleted
-- (with its agent). The statement trigger of 0001 still sends 'feed_tokens',
-- after which the daemon reads the whole table again.
CREATE FUNCTION staffd.notify_token_revoked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('staffd_revoked', encode(OLD.token_sha256, 'hex'));
    RETURN NULL;
END
$$;
CREATE TRIGGER feed_token_revoked AFTER UPDATE ON staffd.feed_tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL
                       AND (NEW.revoked_at IS NOT NULL OR NEW.token_sha256 <> OLD.token_sha256))
    EXECUTE FUNCTION staffd.notify_token_revoked();
CREATE TRIGGER feed_token_deleted AFTER DELETE ON staffd.feed_tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL)
    EXECUTE FUNCTION staffd.notify_token_revoked();
COMMENT ON FUNCTION staffd.revoke_feed_url(bigint) IS
    'Revokes the agent''s feed URL: it answers 404 as soon as the daemon hears of it on staffd_revoked (measured in the README).';

-- Cancelled events say "Cancelled: " from this version on: a new title for each
-- cancelled shift a feed may still show (no feed shows a shift that ended more
-- than 30 days ago).
DO $$
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    UPDATE staffd.shifts SET sequence = sequence + 1, updated_at = now()
    WHERE status = 'cancelled' AND ends > now() - interval '30 days';
    PERFORM set_config('staffd.writer', '', true);
END
$$;
