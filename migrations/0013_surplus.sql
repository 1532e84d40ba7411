-- SPDX-License-Identifier: ISC
-- Surplus beside shortage, and the shortage no roster can fix (issue 17).
--
-- Surplus: agents scheduled above the requirement cost money and are a sign
-- that hours sit where they are not needed. coverage.surplus is
-- max(0, scheduled - required), kept by PostgreSQL itself (a generated
-- column), and runs.surplus_minutes its sum over the run's future intervals
-- (from planned_at, as shortage_minutes), in agent-minutes.
--
-- Unfixable shortage: coverage.available is how many agents could work the
-- interval at all (active, skilled for the queue, a shift of their contract
-- fits their availability there, no time off, inside the horizon and not yet
-- begun, or a published shift that stands covers it); unfixable_shortage is
-- the part of the shortage beyond them, min(shortage, required - available):
-- no roster can fix it, only hiring or more availability. The rest of the
-- shortage is the roster's choice. runs.unfixable_shortage_minutes sums it
-- over the future intervals. Rows written by a daemon older than this
-- migration hold NULL there.
--
-- staffd.coverage_days sums it all per queue and local day for each site's
-- latest plan, future intervals only.
--
-- publish_run gains two arrays (available, unfixable shortage); the
-- eleven-argument form of 0008 stays for a daemon of the previous version
-- during a rolling upgrade.

ALTER TABLE staffd.coverage
    ADD COLUMN surplus double precision GENERATED ALWAYS AS (greatest(scheduled - required, 0)) STORED,
    ADD COLUMN available integer
        CONSTRAINT coverage_available_not_negative CHECK (available IS NULL OR available >= 0),
    ADD COLUMN unfixable_shortage double precision
        CONSTRAINT coverage_unfixable_shortage_from_0_to_the_shortage
        CHECK (unfixable_shortage IS NULL OR (unfixable_shortage >= 0 AND unfixable_shortage <= shortage + 1e-9));
COMMENT ON COLUMN staffd.coverage.surplus IS
    'Agents scheduled above the requirement: greatest(scheduled - required, 0).';
COMMENT ON COLUMN staffd.coverage.available IS
    'Agents who could work this interval of the queue at all (skilled, available, no time off, a shift of their contract fits, or a standing published shift covers it). NULL: written before migration 0013.';
COMMENT ON COLUMN staffd.coverage.unfixable_shortage IS
    'The part of the shortage no roster can fix: min(shortage, required - available), at least 0. NULL: written before migration 0013.';

ALTER TABLE staffd.runs
    ADD COLUMN surplus_minutes double precision
        CONSTRAINT run_surplus_minutes_not_negative CHECK (surplus_minutes IS NULL OR surplus_minutes >= 0),
    ADD COLUMN unfixable_shortage_minutes double precision
        CONSTRAINT run_unfixable_shortage_minutes_not_negative
        CHECK (unfixable_shortage_minutes IS NULL OR unfixable_shortage_minutes >= 0);
COMMENT ON COLUMN staffd.runs.surplus_minutes IS
    'Agent-minutes scheduled above the requirement from planned_at to the end of the horizon.';
COMMENT ON COLUMN staffd.runs.unfixable_shortage_minutes IS
    'The part of shortage_minutes no roster could fix: intervals that fewer agents could work at all than they require.';

-- The coverage of the site's queues from p_horizon_start on, with what the agents could work.
CREATE FUNCTION staffd.publish_coverage(rid bigint, p_horizon_start bigint, p_cov_queue bigint[],
                                        p_cov_start bigint[], p_cov_required double precision[],
                                        p_cov_scheduled integer[], p_cov_shortage double precision[],
                                        p_cov_sl double precision[], p_cov_available integer[],
                                        p_cov_unfixable double precision[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    DELETE FROM staffd.coverage c USING staffd.queues q
    WHERE q.id = c.queue_id AND q.site_id = (SELECT site_id FROM staffd.runs WHERE id = rid)
      AND c.interval_start >= to_timestamp(p_horizon_start);
    INSERT INTO staffd.coverage (queue_id, interval_start, run_id, required, scheduled, shortage,
                                 expected_service_level, available, unfixable_shortage)
    SELECT c.q, to_timestamp(c.s), rid, c.req, c.sch, c.sho, c.sl, c.av, c.unf
    FROM unnest(p_cov_queue, p_cov_start, p_cov_required, p_cov_scheduled, p_cov_shortage, p_cov_sl,
                p_cov_available, p_cov_unfixable)
         AS c(q, s, req, sch, sho, sl, av, unf);
END
$$;

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
    p_errors        jsonb,
    p_cov_available integer[],
    p_cov_unfixable double precision[]
) RETURNS TABLE (run_id bigint, changed_agents bigint[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid     bigint;
    changed bigint[];
BEGIN
    rid := staffd.insert_run_row(p_run, jsonb_array_length(p_inserts) + jsonb_array_length(p_updates)
                                        + jsonb_array_length(p_cancels));
    UPDATE staffd.runs
    SET surplus_minutes = (p_run->>'surplus_minutes')::double precision,
        unfixable_shortage_minutes = (p_run->>'unfixable_shortage_minutes')::double precision
    WHERE id = rid;
    changed := staffd.publish_shift_changes(rid, p_inserts, p_updates, p_cancels);
    PERFORM staffd.publish_coverage(rid, (p_run->>'horizon_start')::bigint, p_cov_queue, p_cov_start,
                                    p_cov_required, p_cov_scheduled, p_cov_shortage, p_cov_sl,
                                    p_cov_available, p_cov_unfixable);
    PERFORM staffd.publish_input_errors(p_errors, (SELECT site_id FROM staffd.runs WHERE id = rid));
    RETURN QUERY SELECT rid, changed;
END
$$;

-- Per queue and local day of each site's latest plan, its future intervals only.
CREATE VIEW staffd.coverage_days AS
SELECT q.site_id, r.id AS run_id, q.id AS queue_id, q.name AS queue,
       (c.interval_start AT TIME ZONE q.time_zone)::date AS day,
       count(*) FILTER (WHERE c.required > 0) AS intervals_with_demand,
       count(*) FILTER (WHERE c.required > 0 AND c.expected_service_level >= q.service_level)
           AS intervals_at_goal,
       sum(c.required) * 15 AS required_minutes,
       sum(c.shortage) * 15 AS shortage_minutes,
       sum(c.surplus) * 15 AS surplus_minutes,
       sum(c.unfixable_shortage) * 15 AS unfixable_shortage_minutes
FROM staffd.coverage c
JOIN staffd.queues q ON q.id = c.queue_id
JOIN staffd.site_state st ON st.site_id = q.site_id
JOIN staffd.runs r ON r.id = st.last_run_id
WHERE c.interval_start >= r.planned_at AND c.interval_start < r.horizon_end
GROUP BY q.site_id, r.id, q.id, q.name, 5;
COMMENT ON VIEW staffd.coverage_days IS
    'Per queue and day (the queue''s time zone) of each site''s latest plan, from its planned_at on: intervals with demand and at the service-level goal, and agent-minutes required, short, over, and short beyond what the agents could work (unfixable).';
