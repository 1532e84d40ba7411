-- SPDX-License-Identifier: ISC
-- One way to land a run (issue 13): staffd.publish_quick_run (0014) was a copy
-- of staffd.publish_run (0013) but for how it writes the coverage. Both keep
-- their parameters, checks and results; they now call one body:
--
-- * staffd.land_run(<publish_run's thirteen parameters>, p_upsert): the run
--   row and its totals (insert_run_row and the two 0013 columns), the shift
--   changes, the coverage, the input errors.
-- * staffd.publish_coverage(rid, p_horizon_start, <the eight coverage arrays>,
--   p_upsert) writes the coverage either way: anew, the site's rows from the
--   horizon on deleted first (a full run), or over only the cells given, every
--   other row kept with the run that wrote it (p_upsert: a quick run). It
--   replaces 0013's ten-argument form, which only publish_run called.
--
-- The eleven-argument publish_run of 0008 and the publish_coverage it calls
-- stay as they were, for a daemon older than 0013 during a rolling upgrade.

DROP FUNCTION staffd.publish_coverage(bigint, bigint, bigint[], bigint[], double precision[], integer[],
                                      double precision[], double precision[], integer[],
                                      double precision[]);

CREATE FUNCTION staffd.publish_coverage(rid bigint, p_horizon_start bigint, p_cov_queue bigint[],
                                        p_cov_start bigint[], p_cov_required double precision[],
                                        p_cov_scheduled integer[], p_cov_shortage double precision[],
                                        p_cov_sl double precision[], p_cov_available integer[],
                                        p_cov_unfixable double precision[], p_upsert boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    IF NOT p_upsert THEN
        DELETE FROM staffd.coverage c USING staffd.queues q
        WHERE q.id = c.queue_id AND q.site_id = (SELECT site_id FROM staffd.runs WHERE id = rid)
          AND c.interval_start >= to_timestamp(p_horizon_start);
    END IF;
    -- One statement, with ON CONFLICT only for an upsert: after the DELETE no
    -- row can conflict, and the clause costs a full run's insert about a sixth
    -- more time (9,400 rows at 1,000 agents: 171 -> 196 ms, medians of 5).
    EXECUTE 'INSERT INTO staffd.coverage (queue_id, interval_start, run_id, required, scheduled,'
         || ' shortage, expected_service_level, available, unfixable_shortage)'
         || ' SELECT x.q, to_timestamp(x.s), $1, x.req, x.sch, x.sho, x.sl, x.av, x.un'
         || ' FROM unnest($2, $3, $4, $5, $6, $7, $8, $9) AS x(q, s, req, sch, sho, sl, av, un)'
         || CASE WHEN p_upsert THEN
                ' ON CONFLICT (queue_id, interval_start) DO UPDATE'
             || ' SET run_id = EXCLUDED.run_id, required = EXCLUDED.required,'
             || ' scheduled = EXCLUDED.scheduled, shortage = EXCLUDED.shortage,'
             || ' expected_service_level = EXCLUDED.expected_service_level,'
             || ' available = EXCLUDED.available, unfixable_shortage = EXCLUDED.unfixable_shortage'
            ELSE '' END
    USING rid, p_cov_queue, p_cov_start, p_cov_required, p_cov_scheduled, p_cov_shortage, p_cov_sl,
          p_cov_available, p_cov_unfixable;
END
$$;

CREATE FUNCTION staffd.land_run(
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
    p_errors        jsonb,
    p_cov_available integer[],
    p_cov_unfixable double precision[],
    p_upsert        boolean
) RETURNS TABLE (run_id bigint, changed_agents bigint[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid     bigint;
    changed bigint[];
BEGIN
    rid := staffd.insert_run_row(p_run, jsonb_array_length(p_inserts) + jsonb_array_length(p_updates)
                                        + jsonb_array_length(p_cancels));
    -- The whole site's totals, for a quick run too.
    UPDATE staffd.runs
    SET surplus_minutes = (p_run->>'surplus_minutes')::double precision,
        unfixable_shortage_minutes = (p_run->>'unfixable_shortage_minutes')::double precision
    WHERE id = rid;
    changed := staffd.publish_shift_changes(rid, p_inserts, p_updates, p_cancels);
    PERFORM staffd.publish_coverage(rid, (p_run->>'horizon_start')::bigint, p_cov_queue, p_cov_start,
                                    p_cov_required, p_cov_scheduled, p_cov_shortage, p_cov_sl,
                                    p_cov_available, p_cov_unfixable, p_upsert);
    PERFORM staffd.publish_input_errors(p_errors, (SELECT site_id FROM staffd.runs WHERE id = rid));
    RETURN QUERY SELECT rid, changed;
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
    p_errors        jsonb,
    p_cov_available integer[],
    p_cov_unfixable double precision[]
) RETURNS TABLE (run_id bigint, changed_agents bigint[])
LANGUAGE sql VOLATILE AS $$
    SELECT * FROM staffd.land_run(p_run, p_inserts, p_updates, p_cancels, p_cov_queue, p_cov_start,
                                  p_cov_required, p_cov_scheduled, p_cov_shortage, p_cov_sl, p_errors,
                                  p_cov_available, p_cov_unfixable, false)
$$;

CREATE OR REPLACE FUNCTION staffd.publish_quick_run(
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
    p_errors        jsonb,
    p_cov_available integer[],
    p_cov_unfixable double precision[]
) RETURNS TABLE (run_id bigint, changed_agents bigint[])
LANGUAGE sql VOLATILE AS $$
    SELECT * FROM staffd.land_run(p_run, p_inserts, p_updates, p_cancels, p_cov_queue, p_cov_start,
                                  p_cov_required, p_cov_scheduled, p_cov_shortage, p_cov_sl, p_errors,
                                  p_cov_available, p_cov_unfixable, true)
$$;
