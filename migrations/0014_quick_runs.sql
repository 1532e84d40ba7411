-- SPDX-License-Identifier: ISC
-- Quick runs (issue #17, "a change reaches the agent's calendar within a second").
--
-- * runs.kind: 'full' (the whole site searched) or 'quick' (only the agents a
--   change named and their neighbourhood re-planned, everybody else kept as
--   published; a full run follows once the site is quiet).
-- * staffd.begin_run(reason, site, kind) begins a run of that kind.
-- * staffd.publish_quick_run lands a quick run, writing only the coverage
--   rows its changes touch (below).
-- * A change to one agent's inputs (agents, agent_skills, availability,
--   time_off, preferences) names the agents in its notification:
--   'time_off@<site>:{12,15}#<n>' for at most 32 agents of that site, so that
--   the daemon knows what a quick run must re-plan. Larger statements, and
--   every other table, notify as before ('<table>@<site>#<n>').

ALTER TABLE staffd.runs ADD COLUMN kind text NOT NULL DEFAULT 'full'
    CONSTRAINT run_kind_is_known CHECK (kind IN ('full', 'quick'));
COMMENT ON COLUMN staffd.runs.kind IS
    'full: the whole site searched; quick: only the agents a change named and their neighbourhood, the rest kept as published.';

CREATE FUNCTION staffd.begin_run(p_reason text, p_site bigint, p_kind text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rid bigint;
BEGIN
    rid := staffd.begin_run(p_reason, p_site);
    PERFORM set_config('staffd.writer', 'on', true);
    UPDATE staffd.runs SET kind = p_kind WHERE id = rid;
    RETURN rid;
END
$$;

CREATE OR REPLACE FUNCTION staffd.notify_site_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    s bigint;
    q text;
    aq text;
    n bigint;
    sites bigint[];
    agents bigint[];
    payload text;
BEGIN
    q := CASE TG_TABLE_NAME
        WHEN 'queues' THEN 'SELECT site_id FROM rows'
        WHEN 'agents' THEN 'SELECT site_id FROM rows'
        WHEN 'contracts' THEN 'SELECT site_id FROM rows'
        WHEN 'candidates' THEN 'SELECT site_id FROM rows'
        WHEN 'demand' THEN 'SELECT q.site_id FROM rows r JOIN staffd.queues q ON q.id = r.queue_id'
        WHEN 'candidate_availability' THEN
            'SELECT c.site_id FROM rows r JOIN staffd.candidates c ON c.id = r.candidate_id'
        WHEN 'candidate_skills' THEN
            'SELECT c.site_id FROM rows r JOIN staffd.candidates c ON c.id = r.candidate_id'
        ELSE 'SELECT a.site_id FROM rows r JOIN staffd.agents a ON a.id = r.agent_id'
    END;
    -- The agents of one agent's inputs, with their site.
    aq := CASE
        WHEN TG_TABLE_NAME = 'agents' THEN 'SELECT id, site_id FROM rows'
        WHEN TG_TABLE_NAME IN ('agent_skills', 'availability', 'time_off', 'preferences') THEN
            'SELECT r.agent_id, a.site_id FROM rows r JOIN staffd.agents a ON a.id = r.agent_id'
    END;
    -- The statement's rows: the new ones, and for updates and deletes the old
    -- ones too (a row that moved between sites changes both).
    IF TG_OP = 'INSERT' THEN
        q := replace(q, 'FROM rows', 'FROM new_rows');
        aq := replace(aq, 'FROM rows', 'FROM new_rows');
    ELSIF TG_OP = 'DELETE' THEN
        q := replace(q, 'FROM rows', 'FROM old_rows');
        aq := replace(aq, 'FROM rows', 'FROM old_rows');
    ELSE
        q := replace(q, 'FROM rows', 'FROM new_rows') || ' UNION ' || replace(q, 'FROM rows', 'FROM old_rows');
        aq := replace(aq, 'FROM rows', 'FROM new_rows') || ' UNION ' || replace(aq, 'FROM rows', 'FROM old_rows');
    END IF;
    EXECUTE 'SELECT array_agg(DISTINCT site_id) FROM (' || q || ') AS x(site_id) WHERE site_id IS NOT NULL'
        INTO sites;
    -- A statement that touched no row changed nothing: no run, and nothing to count.
    IF sites IS NULL THEN
        RETURN NULL;
    END IF;
    n := staffd.count_change();
    FOREACH s IN ARRAY sites LOOP
        payload := TG_TABLE_NAME || '@' || s;
        IF aq IS NOT NULL THEN
            EXECUTE 'SELECT array_agg(DISTINCT agent ORDER BY agent) FROM (' || aq
                    || ') AS x(agent, site_id) WHERE site_id = $1' INTO agents USING s;
            IF agents IS NOT NULL AND cardinality(agents) <= 32 THEN
                payload := payload || ':' || agents::text;
            END IF;
        END IF;
        PERFORM pg_notify('staffd_changed', payload || '#' || n);
    END LOOP;
    RETURN NULL;
END
$$;

-- A quick run lands like publish_run (the same parameters, the same checks in
-- insert_run_row), but its coverage arrays hold only the cells its shift
-- changes touch: they are written over (upsert), every other row stays with the
-- run that wrote it. Rewriting a 1,000-agent site's 9,400 rows (two foreign-key
-- checks each) took half a second of the second a change has to reach its
-- agent; the full run that follows writes them all again.
CREATE FUNCTION staffd.publish_quick_run(
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
    -- The run's totals are the whole site's, as publish_run (0013) records them.
    UPDATE staffd.runs
    SET surplus_minutes = (p_run->>'surplus_minutes')::double precision,
        unfixable_shortage_minutes = (p_run->>'unfixable_shortage_minutes')::double precision
    WHERE id = rid;
    changed := staffd.publish_shift_changes(rid, p_inserts, p_updates, p_cancels);
    PERFORM set_config('staffd.writer', 'on', true);
    INSERT INTO staffd.coverage AS c (queue_id, interval_start, run_id, required, scheduled, shortage,
                                      expected_service_level, available, unfixable_shortage)
    SELECT x.q, to_timestamp(x.s), rid, x.req, x.sch, x.sho, x.sl, x.av, x.un
    FROM unnest(p_cov_queue, p_cov_start, p_cov_required, p_cov_scheduled, p_cov_shortage, p_cov_sl,
                p_cov_available, p_cov_unfixable)
         AS x(q, s, req, sch, sho, sl, av, un)
    ON CONFLICT (queue_id, interval_start) DO UPDATE
        SET run_id = EXCLUDED.run_id, required = EXCLUDED.required, scheduled = EXCLUDED.scheduled,
            shortage = EXCLUDED.shortage, expected_service_level = EXCLUDED.expected_service_level,
            available = EXCLUDED.available, unfixable_shortage = EXCLUDED.unfixable_shortage;
    PERFORM staffd.publish_input_errors(p_errors, (SELECT site_id FROM staffd.runs WHERE id = rid));
    RETURN QUERY SELECT rid, changed;
END
$$;
