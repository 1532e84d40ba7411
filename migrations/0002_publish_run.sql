-- SPDX-License-Identifier: ISC
-- staffd.publish_run: lands one planning run whole, in the caller's single
-- statement (so in one transaction): the run row, the shift changes the
-- daemon computed (inserts mint UUIDs; updates and cancellations carry the new
-- SEQUENCE), the coverage of the horizon, and the input errors seen. Returns
-- the run id and the agents whose shifts changed, whose feeds are re-rendered.
-- Instants travel as Unix seconds.

CREATE FUNCTION staffd.publish_run(
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
    changed bigint[] := '{}';
    part    bigint[];
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);

    INSERT INTO staffd.runs (started_at, finished_at, reason, status, horizon_start, horizon_end,
                             objective, shortage_minutes, shifts_scheduled, shifts_changed, message)
    VALUES (to_timestamp((p_run->>'started_at')::double precision), clock_timestamp(),
            p_run->>'reason', 'succeeded',
            to_timestamp((p_run->>'horizon_start')::bigint), to_timestamp((p_run->>'horizon_end')::bigint),
            (p_run->>'objective')::double precision, (p_run->>'shortage_minutes')::double precision,
            (p_run->>'shifts_scheduled')::integer,
            jsonb_array_length(p_inserts) + jsonb_array_length(p_updates) + jsonb_array_length(p_cancels),
            p_run->>'message')
    RETURNING id INTO rid;

    WITH ins AS (
        INSERT INTO staffd.shifts (agent_id, queue_id, starts, ends, status, sequence, run_id)
        SELECT x.a, x.q, to_timestamp(x.s), to_timestamp(x.e), 'scheduled', 0, rid
        FROM jsonb_to_recordset(p_inserts) AS x(a bigint, q bigint, s bigint, e bigint)
        RETURNING agent_id
    ) SELECT coalesce(array_agg(DISTINCT agent_id), '{}') INTO part FROM ins;
    changed := changed || part;

    WITH upd AS (
        UPDATE staffd.shifts AS sh
        SET queue_id = x.q, starts = to_timestamp(x.s), ends = to_timestamp(x.e), status = 'scheduled',
            sequence = x.seq, updated_at = now(), run_id = rid
        FROM jsonb_to_recordset(p_updates) AS x(id uuid, q bigint, s bigint, e bigint, seq integer)
        WHERE sh.id = x.id
        RETURNING sh.agent_id
    ) SELECT coalesce(array_agg(DISTINCT agent_id), '{}') INTO part FROM upd;
    changed := changed || part;

    WITH can AS (
        UPDATE staffd.shifts AS sh
        SET status = 'cancelled', sequence = x.seq, updated_at = now(), run_id = rid
        FROM jsonb_to_recordset(p_cancels) AS x(id uuid, seq integer)
        WHERE sh.id = x.id
        RETURNING sh.agent_id
    ) SELECT coalesce(array_agg(DISTINCT agent_id), '{}') INTO part FROM can;
    changed := changed || part;

    DELETE FROM staffd.coverage WHERE interval_start >= to_timestamp((p_run->>'horizon_start')::bigint);
    INSERT INTO staffd.coverage (queue_id, interval_start, run_id, required, scheduled, shortage,
                                 expected_service_level)
    SELECT c.q, to_timestamp(c.s), rid, c.req, c.sch, c.sho, c.sl
    FROM unnest(p_cov_queue, p_cov_start, p_cov_required, p_cov_scheduled, p_cov_shortage, p_cov_sl)
         AS c(q, s, req, sch, sho, sl);

    INSERT INTO staffd.input_errors AS ie (table_name, row_key, message)
    SELECT x.t, x.k, x.m FROM jsonb_to_recordset(p_errors) AS x(t text, k text, m text)
    ON CONFLICT (table_name, row_key, message) DO UPDATE SET last_seen = now();
    -- What was not seen again has been fixed.
    DELETE FROM staffd.input_errors WHERE last_seen < now();

    RETURN QUERY SELECT rid, ARRAY(SELECT DISTINCT unnest(changed) ORDER BY 1);
END
$$;

-- A run that could not be planned or stored still leaves a trace for HR.
CREATE FUNCTION staffd.record_failed_run(p_started double precision, p_reason text, p_status text,
                                         p_message text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid bigint;
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    INSERT INTO staffd.runs (started_at, finished_at, reason, status, message)
    VALUES (to_timestamp(p_started), clock_timestamp(), p_reason, p_status, p_message)
    RETURNING id INTO rid;
    RETURN rid;
END
$$;
