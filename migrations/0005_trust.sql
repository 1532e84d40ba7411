-- Trust: what staffd reports must be true, and no single row can stop planning.
--
-- * runs.planned_at: the instant a run planned as of (its snapshot's clock).
--   runs.shortage_minutes now counts only the intervals from then on; the
--   intervals of the horizon already begun are history no plan or hire can
--   change, reported apart in runs.past_shortage_minutes.
-- * staffd.publish_run is split into the steps it always had (the run row,
--   the shift changes, the coverage, the input errors), so that a later
--   migration replaces one step, not a copy of the whole. A changed or
--   cancelled shift's SEQUENCE is now the stored one plus one, whatever the
--   daemon computed, so it rises on every change whoever publishes.

ALTER TABLE staffd.runs
    ADD COLUMN planned_at timestamptz,
    ADD COLUMN past_shortage_minutes double precision;
COMMENT ON COLUMN staffd.runs.planned_at IS
    'The instant the run planned as of (its snapshot''s clock). Intervals before it are history.';
COMMENT ON COLUMN staffd.runs.shortage_minutes IS
    'Agent-minutes of requirement left uncovered from planned_at to the end of the horizon.';
COMMENT ON COLUMN staffd.runs.past_shortage_minutes IS
    'Agent-minutes uncovered in the horizon''s intervals that began before planned_at: history, not a need.';

-- The run row of a successful run. p_run carries Unix seconds.
CREATE FUNCTION staffd.insert_run_row(p_run jsonb, p_changes integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid bigint;
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
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
