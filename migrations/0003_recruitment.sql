-- SPDX-License-Identifier: ISC
-- Recruitment: hiring an applicant in one call (staffd.hire), the shape of the
-- two recruitment outputs (hiring_needs, candidate_ranking) as recruit.c
-- computes them, the function the daemon lands them with
-- (staffd.publish_recruitment, in the same statement as staffd.publish_run),
-- and a readable view of the current ranking for HR. docs/recruitment.md
-- explains the model behind the numbers.

------------------------------------------------------------------------------
-- Which agent an applicant became
------------------------------------------------------------------------------

ALTER TABLE staffd.candidates
    ADD COLUMN hired_agent_id bigint REFERENCES staffd.agents (id) ON DELETE SET NULL,
    ADD CONSTRAINT candidate_hired_agent_only_when_hired
        CHECK (hired_agent_id IS NULL OR status = 'hired');
COMMENT ON COLUMN staffd.candidates.hired_agent_id IS
    'The agent staffd.hire() made from this applicant (NULL if hired otherwise, or the agent was deleted).';

------------------------------------------------------------------------------
-- staffd.hire(candidate_id, contract_id) -> new agent id
------------------------------------------------------------------------------

-- Makes an agent from an open applicant in one transaction: name, e-mail and
-- time zone from the application, the given contract, hired today; the
-- applicant's weekly availability and queue skills become the agent's; the
-- applicant is marked 'hired'. The inserts notify staffd_changed, so the next
-- planning run schedules the new agent. The applicant row is locked first, so
-- two HR tools hiring the same person at once cannot make two agents.
CREATE FUNCTION staffd.hire(p_candidate_id bigint, p_contract_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    c         staffd.candidates%ROWTYPE;
    new_agent bigint;
    n_windows integer;
    n_skills  integer;
BEGIN
    IF p_candidate_id IS NULL OR p_contract_id IS NULL THEN
        RAISE EXCEPTION 'staffd.hire(candidate_id, contract_id) needs both ids, got (%, %)',
                        coalesce(p_candidate_id::text, 'NULL'), coalesce(p_contract_id::text, 'NULL')
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO c FROM staffd.candidates WHERE id = p_candidate_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no candidate with id %', p_candidate_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF c.status = 'hired' THEN
        RAISE EXCEPTION 'candidate % (%) is already hired%', c.id, c.name,
                        coalesce(' as agent ' || c.hired_agent_id, '')
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF c.status IN ('rejected', 'withdrawn') THEN
        RAISE EXCEPTION 'candidate % (%) is %: only an open applicant (applied, screening, interview, offer) can be hired',
                        c.id, c.name, c.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Set the candidate''s status back to an open one first if this is intended.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM staffd.contracts WHERE id = p_contract_id) THEN
        RAISE EXCEPTION 'no contract with id %', p_contract_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;

    INSERT INTO staffd.agents (name, email, time_zone, contract_id, active, hired_on)
    VALUES (c.name, c.email, c.time_zone, p_contract_id, true, current_date)
    RETURNING id INTO new_agent;

    INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)
    SELECT new_agent, a.weekday, a.start_time, a.end_time
    FROM staffd.candidate_availability a
    WHERE a.candidate_id = c.id
    ORDER BY a.id;
    GET DIAGNOSTICS n_windows = ROW_COUNT;

    INSERT INTO staffd.agent_skills (agent_id, queue_id)
    SELECT new_agent, k.queue_id FROM staffd.candidate_skills k WHERE k.candidate_id = c.id;
    GET DIAGNOSTICS n_skills = ROW_COUNT;

    UPDATE staffd.candidates SET status = 'hired', hired_agent_id = new_agent WHERE id = c.id;

    IF n_windows = 0 THEN
        RAISE NOTICE 'agent % (%) has no availability yet: no shifts until some is added', new_agent, c.name;
    END IF;
    IF n_skills = 0 THEN
        RAISE NOTICE 'agent % (%) has no queue skills yet: no shifts until some are added', new_agent, c.name;
    END IF;
    RETURN new_agent;
END
$$;
COMMENT ON FUNCTION staffd.hire(bigint, bigint) IS
    'Makes an agent from an open applicant (availability and skills copied, applicant marked hired); returns the agent id.';

------------------------------------------------------------------------------
-- Outputs, as recruit.c computes them
------------------------------------------------------------------------------

-- Nothing wrote these tables before this migration; empty them so the new
-- NOT NULL columns need no invented values.
SELECT set_config('staffd.writer', 'on', true);
DELETE FROM staffd.hiring_needs;
DELETE FROM staffd.candidate_ranking;

-- A need covers a group of weekdays with a similar block ("weekday evenings").
ALTER TABLE staffd.hiring_needs
    DROP COLUMN weekday,
    ADD COLUMN weekdays integer[] NOT NULL
        CONSTRAINT hiring_need_weekdays_are_iso_1_to_7
        CHECK (cardinality(weekdays) BETWEEN 1 AND 7 AND array_position(weekdays, NULL) IS NULL
               AND 1 <= ALL (weekdays) AND 7 >= ALL (weekdays)),
    ALTER COLUMN agents_needed TYPE integer USING ceil(agents_needed)::integer,
    ADD COLUMN agents_exact double precision NOT NULL,
    ADD COLUMN shortage_hours_per_week double precision NOT NULL,
    ADD COLUMN label text NOT NULL,
    ADD CONSTRAINT hiring_need_agents_needed_positive CHECK (agents_needed >= 1);
COMMENT ON TABLE staffd.hiring_needs IS
    'Profiles to recruit from the latest planning run: a queue, a weekly block in the queue''s time zone, how many to hire. See docs/recruitment.md.';
COMMENT ON COLUMN staffd.hiring_needs.weekdays IS 'ISO weekdays (1 = Monday) the block recurs on.';
COMMENT ON COLUMN staffd.hiring_needs.start_time IS 'Local time in time_zone; end_time <= start_time runs past midnight.';
COMMENT ON COLUMN staffd.hiring_needs.agents_needed IS 'People to hire: the shortage rounded up, attrition allowance rounded to the nearest person.';
COMMENT ON COLUMN staffd.hiring_needs.agents_exact IS 'The same before rounding.';
COMMENT ON COLUMN staffd.hiring_needs.hours_per_week IS 'Weekly hours each hire is expected to give this block.';
COMMENT ON COLUMN staffd.hiring_needs.shortage_hours_per_week IS 'Agent-hours a week short in this block, over all its weekdays.';
COMMENT ON COLUMN staffd.hiring_needs.label IS 'e.g. weekday evenings 17:00–22:00 Europe/Stockholm';

ALTER TABLE staffd.candidate_ranking
    RENAME COLUMN shortage_minutes_covered TO shortage_minutes_per_week;
ALTER TABLE staffd.candidate_ranking
    ADD CONSTRAINT candidate_ranking_rank_positive CHECK (rank >= 1),
    ADD CONSTRAINT candidate_ranking_minutes_not_negative CHECK (shortage_minutes_per_week >= 0);
COMMENT ON TABLE staffd.candidate_ranking IS
    'Open applicants of the latest planning run, best first: each ranked by the shortage they add on top of those ranked above.';
COMMENT ON COLUMN staffd.candidate_ranking.shortage_minutes_per_week IS
    'Agent-minutes a week of shortage this person would cover, after those ranked above.';

-- Lands the recruitment part of a run (recruit_to_json() output) for run
-- p_run_id. Called by the daemon in the same statement as publish_run, so a
-- run lands whole. Only the latest run's recruitment is kept: it is
-- recomputed on every change. Rows whose queue or candidate was deleted
-- since the snapshot are skipped rather than failing the run.
CREATE FUNCTION staffd.publish_recruitment(p_run_id bigint, p_recruitment jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    DELETE FROM staffd.hiring_needs;
    DELETE FROM staffd.candidate_ranking;

    INSERT INTO staffd.hiring_needs (run_id, queue_id, weekdays, start_time, end_time, time_zone,
                                     agents_needed, agents_exact, hours_per_week,
                                     shortage_hours_per_week, label, reason)
    SELECT p_run_id, q.id,
           ARRAY(SELECT d::integer FROM jsonb_array_elements_text(n->'weekdays') AS d),
           (n->>'start')::time, (n->>'end')::time, n->>'time_zone',
           (n->>'agents_needed')::integer, (n->>'agents_exact')::double precision,
           (n->>'hours_per_hire')::double precision,
           (n->>'shortage_hours_per_week')::double precision, n->>'label', n->>'reason'
    FROM jsonb_array_elements(coalesce(p_recruitment->'needs', '[]')) AS n
    JOIN staffd.queues q ON q.id = (n->>'queue_id')::bigint;

    INSERT INTO staffd.candidate_ranking (run_id, candidate_id, rank, shortage_minutes_per_week,
                                          explanation)
    SELECT p_run_id, c.id, (x->>'rank')::integer, (x->>'minutes_per_week')::double precision,
           x->>'explanation'
    FROM jsonb_array_elements(coalesce(p_recruitment->'candidates', '[]')) AS x
    JOIN staffd.candidates c ON c.id = (x->>'candidate_id')::bigint;
END
$$;

-- HR's view: the current ranking with the applicants' names and hours.
CREATE VIEW staffd.current_candidate_ranking AS
SELECT r.rank, c.id AS candidate_id, c.name, c.email, c.source, c.status, c.assessment_score,
       round((r.shortage_minutes_per_week / 60)::numeric, 1) AS shortage_hours_per_week,
       r.explanation, r.run_id
FROM staffd.candidate_ranking r
JOIN staffd.candidates c ON c.id = r.candidate_id
ORDER BY r.rank;
COMMENT ON VIEW staffd.current_candidate_ranking IS
    'Open applicants, best first, with the shortage each would cover (latest planning run).';
