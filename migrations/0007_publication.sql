-- SPDX-License-Identifier: ISC
-- One publication at a time, and never from a stale plan.
--
-- A daemon killed (or cut off from PostgreSQL) while its publish statement
-- runs leaves that statement running in its server session, and it may still
-- commit after the next daemon has read its snapshot. The next daemon then
-- plans from shifts that are no longer the published ones: its publish added
-- a second shift beside the one the late publish had added (two overlapping
-- shifts of one agent), or failed on the coverage the late publish had just
-- written. The chaos run (tests/integration/test_chaos.py) found both.
--
-- * staffd.publication counts the runs that have landed (generation).
-- * begin_run() notes in the run's row the generation when it began; the
--   snapshot is read after that, so it holds every run landed by then.
-- * A run lands only if the generation is still the one it began at:
--   insert_run_row(), the first step of publish_run(), advances the
--   generation from that value and raises serialization_failure (40001)
--   otherwise. The update locks the one row, so publications are serialised:
--   of two in flight, the second waits for the first and then sees it.
--   A refused run changes nothing; the daemon records it as abandoned,
--   re-renders every feed (the other run's changes are not in its own
--   list) and plans again at once.

CREATE TABLE staffd.publication (
    one        boolean PRIMARY KEY DEFAULT true CONSTRAINT publication_has_one_row CHECK (one),
    generation bigint NOT NULL
);
COMMENT ON TABLE staffd.publication IS
    'How many planning runs have landed (generation); a run lands only onto the generation it began at.';
INSERT INTO staffd.publication (generation) VALUES (0);
CREATE TRIGGER publication_written_by_staffd_only
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON staffd.publication
    FOR EACH STATEMENT EXECUTE FUNCTION staffd.refuse_outside_writes();

ALTER TABLE staffd.runs ADD COLUMN generation bigint;
COMMENT ON COLUMN staffd.runs.generation IS
    'staffd.publication.generation when the run began: its snapshot holds every run landed by then, and it may land only if none has landed since.';

CREATE OR REPLACE FUNCTION staffd.begin_run(p_reason text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid bigint;
BEGIN
    PERFORM staffd.abandon_orphaned_runs();
    PERFORM set_config('staffd.writer', 'on', true);
    INSERT INTO staffd.runs (started_at, reason, status, backend_pid, backend_start, generation)
    SELECT clock_timestamp(), p_reason, 'running', pg_backend_pid(), a.backend_start,
           (SELECT p.generation FROM staffd.publication p)
    FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()
    RETURNING id INTO rid;
    RETURN rid;
END
$$;

-- As in 0005, but a run that began (p_run names it) lands only onto the
-- generation it began at; the generation then moves on. A row made here (no
-- run_id: a daemon that never called begin_run) moves it on too.
CREATE OR REPLACE FUNCTION staffd.insert_run_row(p_run jsonb, p_changes integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid  bigint;
    seen bigint;
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    IF p_run ? 'run_id' THEN
        SELECT r.generation INTO seen FROM staffd.runs r WHERE r.id = (p_run->>'run_id')::bigint;
        -- Waits for a publication in flight, then sees what it left.
        UPDATE staffd.publication SET generation = generation + 1 WHERE generation = seen;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'run % planned from a stale snapshot: another run landed after it began',
                p_run->>'run_id'
                USING ERRCODE = 'serialization_failure',
                      HINT = 'Nothing of it was written; staffd plans again.';
        END IF;
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
    UPDATE staffd.publication SET generation = generation + 1;
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
