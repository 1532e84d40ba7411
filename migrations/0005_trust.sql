-- SPDX-License-Identifier: ISC
-- Trust: what staffd reports must be true, and no single row can stop planning.
--
-- * runs.planned_at: the instant a run planned as of (its snapshot's clock).
--   runs.shortage_minutes now counts only the intervals from then on; the
--   intervals of the horizon already begun are history no plan or hire can
--   change, reported apart in runs.past_shortage_minutes.
-- * Every planning attempt has a runs row from its start: staffd.begin_run()
--   inserts it as 'running' and remembers the daemon's database session;
--   publish_run() turns it into 'succeeded', staffd.finish_run() into 'failed'
--   or 'abandoned' with the reason. A 'running' row whose session has ended
--   (the daemon was killed, or lost its connection) is marked 'abandoned' by
--   the next begin_run() of any daemon.
-- * staffd.change_seq counts the statements that changed an input table: the
--   triggers that notify the daemon advance it and send its value with the
--   notification. A daemon that sees the counter stay ahead of the last value
--   it heard knows it missed a notification, re-plans and says so, instead of
--   serving a stale plan as if all were well.
-- * staffd.publish_run is split into the steps it always had (the run row,
--   the shift changes, the coverage, the input errors), so that a later
--   migration replaces one step, not a copy of the whole. A changed or
--   cancelled shift's SEQUENCE is now the stored one plus one, whatever the
--   daemon computed, so it rises on every change whoever publishes.

CREATE SEQUENCE staffd.change_seq;
COMMENT ON SEQUENCE staffd.change_seq IS
    'Advanced by every statement that changes an input of planning; staffd compares it with what it planned.';

-- SECURITY DEFINER so that HR's roles need no privilege on the sequence; it
-- does nothing else.
CREATE FUNCTION staffd.count_change() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT nextval('staffd.change_seq')
$$;

CREATE OR REPLACE FUNCTION staffd.notify_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The counter's value rides along ("<table>#<n>"): the daemon knows which
    -- counted changes it heard of.
    PERFORM pg_notify('staffd_changed', TG_TABLE_NAME || '#' || staffd.count_change());
    RETURN NULL;
END
$$;

ALTER TABLE staffd.runs
    ADD COLUMN planned_at timestamptz,
    ADD COLUMN past_shortage_minutes double precision,
    ADD COLUMN backend_pid integer,
    ADD COLUMN backend_start timestamptz;
COMMENT ON COLUMN staffd.runs.backend_pid IS
    'The database session of the daemon that runs it (with backend_start): while that session lives, the run is its.';
COMMENT ON COLUMN staffd.runs.planned_at IS
    'The instant the run planned as of (its snapshot''s clock). Intervals before it are history.';
COMMENT ON COLUMN staffd.runs.shortage_minutes IS
    'Agent-minutes of requirement left uncovered from planned_at to the end of the horizon.';
COMMENT ON COLUMN staffd.runs.past_shortage_minutes IS
    'Agent-minutes uncovered in the horizon''s intervals that began before planned_at: history, not a need.';

-- Runs left 'running' by a session that has ended are abandoned.
CREATE FUNCTION staffd.abandon_orphaned_runs() RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer;
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    UPDATE staffd.runs AS r
    SET status = 'abandoned', finished_at = clock_timestamp(),
        message = 'the daemon''s database session ended before the run did (stopped, killed or disconnected)'
    WHERE r.status = 'running'
      AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                      WHERE a.pid = r.backend_pid AND a.backend_start = r.backend_start);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- The row of a run that starts now, as 'running'; its id goes with the run.
CREATE FUNCTION staffd.begin_run(p_reason text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid bigint;
BEGIN
    PERFORM staffd.abandon_orphaned_runs();
    PERFORM set_config('staffd.writer', 'on', true);
    INSERT INTO staffd.runs (started_at, reason, status, backend_pid, backend_start)
    SELECT clock_timestamp(), p_reason, 'running', pg_backend_pid(), a.backend_start
    FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()
    RETURNING id INTO rid;
    RETURN rid;
END
$$;

-- A run that failed or was abandoned: its status and why. Only a run still
-- 'running' changes (one that landed meanwhile stays 'succeeded').
CREATE FUNCTION staffd.finish_run(p_run_id bigint, p_status text, p_message text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF p_status NOT IN ('failed', 'abandoned') THEN
        RAISE EXCEPTION 'finish_run: status must be failed or abandoned, not %', p_status;
    END IF;
    PERFORM set_config('staffd.writer', 'on', true);
    UPDATE staffd.runs SET status = p_status, finished_at = clock_timestamp(), message = p_message
    WHERE id = p_run_id AND status = 'running';
    RETURN FOUND;
END
$$;

-- The run row of a successful run: the 'running' row begin_run() made, when
-- p_run names one ("run_id"), else a new row. p_run carries Unix seconds.
CREATE FUNCTION staffd.insert_run_row(p_run jsonb, p_changes integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid bigint;
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    IF p_run ? 'run_id' THEN
        UPDATE staffd.runs
        SET finished_at = clock_timestamp(), status = 'succeeded',
            planned_at = to_timestamp((p_run->>'planned_at')::bigint),
            horizon_start = to_timestamp((p_run->>'horizon_start')::bigint),
            horizon_end = to_timestamp((p_run->>'horizon_end')::bigint),
            objective = (p_run->>'objective')::double precision,
            shortage_minutes = (p_run->>'shortage_minutes')::double precision,
            past_shortage_minutes = (p_run->>'past_shortage_minutes')::double precision,
            shifts_scheduled = (p_run->>'shifts_scheduled')::integer,
            shifts_changed = p_changes, message = p_run->>'message'
        WHERE id = (p_run->>'run_id')::bigint AND status = 'running'
        RETURNING id INTO rid;
        IF rid IS NULL THEN
            RAISE EXCEPTION 'run % is no longer running: it was marked abandoned or finished meanwhile',
                p_run->>'run_id' USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        RETURN rid;
    END IF;
    INSERT INTO staffd.runs (started_at, finished_at, reason, status, planned_at, horizon_start,
                             horizon_end, objective, shortage_minutes, past_shortage_minutes,
                             shifts_scheduled, shifts_changed, message)
    VALUES (to_timestamp((p_run->>'started_at')::double precision), clock_timestamp(),
            p_run->>'reason', 'succeeded',
            to_timestamp((p_run->>'planned_at')::bigint),
            to_timestamp((p_run->>'horizon_start')::bigint),
            to_timestamp((p_run->>'horizon_end')::bigint),
            (p_run->>'objective')::double precision, (p_run->>'shortage_minutes')::double precision,
            (p_run->>'past_shortage_minutes')::double precision,
            (p_run->>'shifts_scheduled')::integer, p_changes, p_run->>'message')
    RETURNING id INTO rid;
    RETURN rid;
END
$$;

-- Inserts, updates and cancellations of shifts, with their breaks (format as
-- in 0004). Returns the agents whose shifts changed.
CREATE FUNCTION staffd.publish_shift_changes(rid bigint, p_inserts jsonb, p_updates jsonb,
                                             p_cancels jsonb) RETURNS bigint[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    changed bigint[] := '{}';
    part    bigint[];
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    WITH ins AS (
        INSERT INTO staffd.shifts (agent_id, queue_id, starts, ends, status, sequence, run_id)
        SELECT x.a, x.q, to_timestamp(x.s), to_timestamp(x.e), 'scheduled', 0, rid
        FROM jsonb_to_recordset(p_inserts) AS x(a bigint, q bigint, s bigint, e bigint)
        RETURNING id, agent_id, starts
    ), ins_breaks AS (
        INSERT INTO staffd.shift_breaks (shift_id, starts, ends, paid)
        SELECT ins.id, to_timestamp(b.s), to_timestamp(b.e), b.p
        FROM jsonb_to_recordset(p_inserts) AS x(a bigint, s bigint, b jsonb)
        JOIN ins ON ins.agent_id = x.a AND ins.starts = to_timestamp(x.s)
        CROSS JOIN LATERAL jsonb_to_recordset(coalesce(x.b, '[]')) AS b(s bigint, e bigint, p boolean)
    ) SELECT coalesce(array_agg(DISTINCT agent_id), '{}') INTO part FROM ins;
    changed := changed || part;

    -- The stored SEQUENCE plus one: the daemon's figure may be stale, the row is not.
    WITH upd AS (
        UPDATE staffd.shifts AS sh
        SET queue_id = x.q, starts = to_timestamp(x.s), ends = to_timestamp(x.e), status = 'scheduled',
            sequence = sh.sequence + 1, updated_at = now(), run_id = rid
        FROM jsonb_to_recordset(p_updates) AS x(id uuid, q bigint, s bigint, e bigint)
        WHERE sh.id = x.id
        RETURNING sh.agent_id
    ) SELECT coalesce(array_agg(DISTINCT agent_id), '{}') INTO part FROM upd;
    changed := changed || part;

    WITH can AS (
        UPDATE staffd.shifts AS sh
        SET status = 'cancelled', sequence = sh.sequence + 1, updated_at = now(), run_id = rid
        FROM jsonb_to_recordset(p_cancels) AS x(id uuid)
        WHERE sh.id = x.id AND sh.status <> 'cancelled'
        RETURNING sh.agent_id
    ) SELECT coalesce(array_agg(DISTINCT agent_id), '{}') INTO part FROM can;
    changed := changed || part;

    -- A changed shift's breaks are replaced; a cancelled one has none.
    DELETE FROM staffd.shift_breaks AS b
    USING (SELECT x.id FROM jsonb_to_recordset(p_updates) AS x(id uuid)
           UNION ALL
           SELECT x.id FROM jsonb_to_recordset(p_cancels) AS x(id uuid)) AS ch
    WHERE b.shift_id = ch.id;
    INSERT INTO staffd.shift_breaks (shift_id, starts, ends, paid)
    SELECT sh.id, to_timestamp(b.s), to_timestamp(b.e), b.p
    FROM jsonb_to_recordset(p_updates) AS x(id uuid, b jsonb)
    JOIN staffd.shifts AS sh ON sh.id = x.id
    CROSS JOIN LATERAL jsonb_to_recordset(coalesce(x.b, '[]')) AS b(s bigint, e bigint, p boolean);

    RETURN ARRAY(SELECT DISTINCT unnest(changed) ORDER BY 1);
END
$$;

-- The coverage of the horizon from p_horizon_start on replaces what was there.
CREATE FUNCTION staffd.publish_coverage(rid bigint, p_horizon_start bigint, p_cov_queue bigint[],
                                        p_cov_start bigint[], p_cov_required double precision[],
                                        p_cov_scheduled integer[], p_cov_shortage double precision[],
                                        p_cov_sl double precision[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    DELETE FROM staffd.coverage WHERE interval_start >= to_timestamp(p_horizon_start);
    INSERT INTO staffd.coverage (queue_id, interval_start, run_id, required, scheduled, shortage,
                                 expected_service_level)
    SELECT c.q, to_timestamp(c.s), rid, c.req, c.sch, c.sho, c.sl
    FROM unnest(p_cov_queue, p_cov_start, p_cov_required, p_cov_scheduled, p_cov_shortage, p_cov_sl)
         AS c(q, s, req, sch, sho, sl);
END
$$;

-- The rows the run could not use; what was not seen again has been fixed.
CREATE FUNCTION staffd.publish_input_errors(p_errors jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    INSERT INTO staffd.input_errors AS ie (table_name, row_key, message)
    SELECT x.t, x.k, x.m FROM jsonb_to_recordset(p_errors) AS x(t text, k text, m text)
    ON CONFLICT (table_name, row_key, message) DO UPDATE SET last_seen = now();
    DELETE FROM staffd.input_errors WHERE last_seen < now();
END
$$;

CREATE OR REPLACE FUNCTION staffd.publish_run(
    p_run           jsonb,
    p_inserts       jsonb,
    p_updates       jsonb,
    p_cancels       jsonb,
    p_cov_queue     bigint[],
    p_cov_start     bigint[],
    p_cov_required  double precision[],
    p_cov_scheduled integer[],
    p_cov_shortage  double precision[],
    p_cov_sl        double precision[],
    p_errors        jsonb
) RETURNS TABLE (run_id bigint, changed_agents bigint[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid     bigint;
    changed bigint[];
BEGIN
    rid := staffd.insert_run_row(p_run, jsonb_array_length(p_inserts) + jsonb_array_length(p_updates)
                                        + jsonb_array_length(p_cancels));
    changed := staffd.publish_shift_changes(rid, p_inserts, p_updates, p_cancels);
    PERFORM staffd.publish_coverage(rid, (p_run->>'horizon_start')::bigint, p_cov_queue, p_cov_start,
                                    p_cov_required, p_cov_scheduled, p_cov_shortage, p_cov_sl);
    PERFORM staffd.publish_input_errors(p_errors);
    RETURN QUERY SELECT rid, changed;
END
$$;

------------------------------------------------------------------------------
-- Rules that keep bad data local (docs/interfaces.md, "Limits")
------------------------------------------------------------------------------
-- Numbers: PostgreSQL orders NaN above every number and accepts 'Infinity', so
-- a check such as contacts >= 0 lets both through; every bound below is a
-- range that neither passes. Timestamps and dates: 'infinity' is refused by
-- name, before any rule that would fail on it with "cannot convert infinity"
-- (CHECK constraints are tested in alphabetical order of their names). Names:
-- a visible character, no control characters, a length a screen can show.
-- NOT VALID: rows that predate these rules do not block the migration; the
-- planner reports and skips them (daemon/load.c), and every new or changed
-- row is checked.

CREATE FUNCTION staffd.is_visible_name(v text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    -- Some character that is neither a control nor any kind of space.
    SELECT v ~ '[^[:space:][:cntrl:]\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]'
$$;

ALTER TABLE staffd.queues
    ADD CONSTRAINT queue_name_has_a_visible_character CHECK (staffd.is_visible_name(name)) NOT VALID,
    ADD CONSTRAINT queue_name_has_no_control_characters CHECK (name !~ '[[:cntrl:]]') NOT VALID,
    ADD CONSTRAINT queue_name_at_most_100_characters CHECK (char_length(name) <= 100) NOT VALID,
    ADD CONSTRAINT queue_target_seconds_at_most_a_week CHECK (target_seconds <= 604800) NOT VALID,
    ADD CONSTRAINT queue_patience_seconds_at_most_a_day
        CHECK (patience_seconds IS NULL OR patience_seconds <= 86400) NOT VALID;

ALTER TABLE staffd.demand
    ADD CONSTRAINT demand_contacts_at_most_a_million CHECK (contacts <= 1000000) NOT VALID,
    ADD CONSTRAINT demand_aht_seconds_at_most_a_day CHECK (aht_seconds <= 86400) NOT VALID,
    ADD CONSTRAINT demand_workload_at_most_50000_erlangs
        CHECK (contacts * aht_seconds <= 50000.0 * interval_minutes * 60) NOT VALID,
    ADD CONSTRAINT demand_interval_start_is_finite CHECK (isfinite(interval_start)) NOT VALID;

ALTER TABLE staffd.contracts
    ADD CONSTRAINT contract_name_has_a_visible_character CHECK (staffd.is_visible_name(name)) NOT VALID,
    ADD CONSTRAINT contract_name_has_no_control_characters CHECK (name !~ '[[:cntrl:]]') NOT VALID,
    ADD CONSTRAINT contract_name_at_most_100_characters CHECK (char_length(name) <= 100) NOT VALID;

ALTER TABLE staffd.agents
    ADD CONSTRAINT agent_name_has_a_visible_character CHECK (staffd.is_visible_name(name)) NOT VALID,
    ADD CONSTRAINT agent_name_has_no_control_characters CHECK (name !~ '[[:cntrl:]]') NOT VALID,
    ADD CONSTRAINT agent_name_at_most_200_characters CHECK (char_length(name) <= 200) NOT VALID,
    ADD CONSTRAINT agent_email_at_most_320_characters
        CHECK (email IS NULL OR char_length(email) <= 320) NOT VALID,
    ADD CONSTRAINT agent_hired_on_is_finite CHECK (isfinite(hired_on)) NOT VALID;

ALTER TABLE staffd.availability
    ADD CONSTRAINT availability_valid_from_is_finite
        CHECK (valid_from IS NULL OR isfinite(valid_from)) NOT VALID,
    ADD CONSTRAINT availability_valid_until_is_finite
        CHECK (valid_until IS NULL OR isfinite(valid_until)) NOT VALID;

ALTER TABLE staffd.time_off
    ADD CONSTRAINT time_off_starts_is_finite CHECK (isfinite(starts)) NOT VALID,
    ADD CONSTRAINT time_off_ends_is_finite CHECK (isfinite(ends)) NOT VALID,
    ADD CONSTRAINT time_off_reason_at_most_1000_characters
        CHECK (reason IS NULL OR char_length(reason) <= 1000) NOT VALID;

ALTER TABLE staffd.preferences
    ADD CONSTRAINT preference_on_date_is_finite CHECK (on_date IS NULL OR isfinite(on_date)) NOT VALID,
    ADD CONSTRAINT preference_note_at_most_1000_characters
        CHECK (note IS NULL OR char_length(note) <= 1000) NOT VALID;

ALTER TABLE staffd.candidates
    ADD CONSTRAINT candidate_name_has_a_visible_character CHECK (staffd.is_visible_name(name)) NOT VALID,
    ADD CONSTRAINT candidate_name_has_no_control_characters CHECK (name !~ '[[:cntrl:]]') NOT VALID,
    ADD CONSTRAINT candidate_name_at_most_200_characters CHECK (char_length(name) <= 200) NOT VALID,
    ADD CONSTRAINT candidate_email_at_most_320_characters
        CHECK (email IS NULL OR char_length(email) <= 320) NOT VALID,
    ADD CONSTRAINT candidate_applied_on_is_finite CHECK (isfinite(applied_on)) NOT VALID;
