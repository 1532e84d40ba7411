-- SPDX-License-Identifier: ISC
-- Hiring profiles (docs/recruitment.md, "Hiring needs"): the shortage a run
-- leaves is sized in whole hires of one contract template and grouped into
-- profiles HR can post as job ads, with what is left after them.
--
-- * contracts.hiring_template marks the contract hires are sized in (at most
--   one per site); without one the daemon takes the part-time contract most
--   agents have (the rule is in docs/recruitment.md).
-- * hiring_needs gets the profile's figures: the template, the productive
--   hires before the attrition allowance, the weekly hours range of one hire,
--   the shortage in the profile's window and the job-ad line.
-- * hiring_summary: per queue, the shortage, what the profiles cover, what is
--   left and why; its sums are the site's one total.
-- * publish_recruitment() lands both from recruit_to_json()'s "needs" and
--   "hiring"; JSON of an older daemon (no such fields) still lands.

------------------------------------------------------------------------------
-- The template
------------------------------------------------------------------------------

ALTER TABLE staffd.contracts ADD COLUMN hiring_template boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX contract_one_hiring_template_per_site ON staffd.contracts (site_id)
    WHERE hiring_template;
COMMENT ON COLUMN staffd.contracts.hiring_template IS
    'Hiring needs are sized in whole hires of this contract (at most one per site; none: the part-time contract most agents have).';

------------------------------------------------------------------------------
-- Profiles
------------------------------------------------------------------------------

-- The next run lands them again; the new NOT NULL columns need no invented values.
SELECT set_config('staffd.writer', 'on', true);
DELETE FROM staffd.hiring_needs;

ALTER TABLE staffd.hiring_needs
    ADD COLUMN contract_id bigint REFERENCES staffd.contracts (id) ON DELETE CASCADE,
    ADD COLUMN hires_productive integer NOT NULL
        CONSTRAINT hiring_need_productive_hires_positive CHECK (hires_productive >= 1),
    ADD COLUMN hours_per_week_min double precision NOT NULL,
    ADD COLUMN hours_per_week_max double precision NOT NULL,
    ADD COLUMN window_shortage_hours_per_week double precision NOT NULL,
    ADD COLUMN ad text NOT NULL,
    ADD CONSTRAINT hiring_need_hours_range_ordered
        CHECK (0 <= hours_per_week_min AND hours_per_week_min <= hours_per_week_max),
    ADD CONSTRAINT hiring_need_hires_include_productive CHECK (agents_needed >= hires_productive);
COMMENT ON TABLE staffd.hiring_needs IS
    'Hiring profiles of the latest planning run: hires of a contract template for a queue, available in a weekly window of the queue''s time zone, each sized after those with more shortage. See docs/recruitment.md.';
COMMENT ON COLUMN staffd.hiring_needs.contract_id IS
    'The contract template the hires are sized in (NULL: the built-in template of a site without a usable contract). Deleting the contract deletes the profiles sized in it (an output may only be deleted by a cascade; the change re-plans anyway).';
COMMENT ON COLUMN staffd.hiring_needs.hires_productive IS
    'Hires the sizing placed, each covering at least the template''s minimum hours; agents_needed adds the attrition allowance.';
COMMENT ON COLUMN staffd.hiring_needs.agents_needed IS
    'People to recruit: the productive hires, raised for attrition while they ramp up (the allowance rounded to the nearest person).';
COMMENT ON COLUMN staffd.hiring_needs.hours_per_week IS 'Weekly hours one hire works, on average.';
COMMENT ON COLUMN staffd.hiring_needs.hours_per_week_min IS 'Weekly hours of the hire who works least.';
COMMENT ON COLUMN staffd.hiring_needs.hours_per_week_max IS 'Weekly hours of the hire who works most.';
COMMENT ON COLUMN staffd.hiring_needs.shortage_hours_per_week IS
    'Agent-hours a week of shortage the productive hires cover, after the profiles listed before this one.';
COMMENT ON COLUMN staffd.hiring_needs.window_shortage_hours_per_week IS
    'Agent-hours a week short in the profile''s window before its hires.';
COMMENT ON COLUMN staffd.hiring_needs.ad IS
    'The profile as a job ad: e.g. 8 hires for chat-sv, weekday evenings 17:00–23:00 Europe/Stockholm, 12–16 h a week';

------------------------------------------------------------------------------
-- Per queue: what the profiles cover and what is left
------------------------------------------------------------------------------

CREATE TABLE staffd.hiring_summary (
    queue_id                bigint PRIMARY KEY REFERENCES staffd.queues (id) ON DELETE CASCADE,
    run_id                  bigint NOT NULL REFERENCES staffd.runs (id) ON DELETE CASCADE,
    contract_id             bigint REFERENCES staffd.contracts (id) ON DELETE CASCADE,
    template                text NOT NULL,
    min_hours_per_hire      double precision NOT NULL,
    shortage_hours_per_week double precision NOT NULL,
    covered_hours_per_week  double precision NOT NULL,
    left_hours_per_week     double precision NOT NULL,
    hires                   integer NOT NULL,
    left_reason             text NOT NULL,
    CONSTRAINT hiring_summary_figures_not_negative
        CHECK (shortage_hours_per_week >= 0 AND covered_hours_per_week >= 0
               AND left_hours_per_week >= 0 AND hires >= 0 AND min_hours_per_hire >= 0)
);
CREATE INDEX hiring_summary_run ON staffd.hiring_summary (run_id);
COMMENT ON TABLE staffd.hiring_summary IS
    'Per queue, from the latest planning run: agent-hours a week short, covered by the hiring profiles and left after them, with why the rest is left. Sums over a site''s queues are its totals.';
COMMENT ON COLUMN staffd.hiring_summary.contract_id IS
    'The contract template (NULL: the built-in template); deleting the contract deletes the row until the next run.';
COMMENT ON COLUMN staffd.hiring_summary.template IS 'Name of the contract template the hires are sized in.';
COMMENT ON COLUMN staffd.hiring_summary.min_hours_per_hire IS
    'Shortage hours a week a hire must cover to be proposed (the template''s weekly minimum, else two of its shortest shifts).';
COMMENT ON COLUMN staffd.hiring_summary.covered_hours_per_week IS
    'Agent-hours a week of shortage the profiles'' productive hires cover (a prediction; docs/recruitment.md says how well it holds).';
COMMENT ON COLUMN staffd.hiring_summary.left_hours_per_week IS 'Agent-hours a week still short after them.';
COMMENT ON COLUMN staffd.hiring_summary.hires IS 'People to recruit for this queue, attrition included.';
COMMENT ON COLUMN staffd.hiring_summary.left_reason IS
    'Why the rest is not a hiring need: where it lies and what one more hire would cover.';
CREATE TRIGGER hiring_summary_written_by_staffd_only
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON staffd.hiring_summary
    FOR EACH STATEMENT EXECUTE FUNCTION staffd.refuse_outside_writes();

------------------------------------------------------------------------------
-- Landing them
------------------------------------------------------------------------------

-- The site's recruitment replaces what was there (0008's, with the profiles'
-- figures and the summary).
CREATE OR REPLACE FUNCTION staffd.publish_recruitment(p_run_id bigint, p_recruitment jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    site bigint := (SELECT site_id FROM staffd.runs WHERE id = p_run_id);
BEGIN
    PERFORM set_config('staffd.writer', 'on', true);
    DELETE FROM staffd.hiring_needs h USING staffd.queues q WHERE q.id = h.queue_id AND q.site_id = site;
    DELETE FROM staffd.hiring_summary h USING staffd.queues q WHERE q.id = h.queue_id AND q.site_id = site;
    DELETE FROM staffd.candidate_ranking r USING staffd.candidates c
    WHERE c.id = r.candidate_id AND c.site_id = site;

    INSERT INTO staffd.hiring_needs (run_id, queue_id, weekdays, start_time, end_time, time_zone,
                                     agents_needed, agents_exact, hours_per_week,
                                     shortage_hours_per_week, label, reason, contract_id,
                                     hires_productive, hours_per_week_min, hours_per_week_max,
                                     window_shortage_hours_per_week, ad)
    SELECT p_run_id, q.id,
           ARRAY(SELECT d::integer FROM jsonb_array_elements_text(n->'weekdays') AS d),
           (n->>'start')::time, (n->>'end')::time, n->>'time_zone',
           (n->>'agents_needed')::integer, (n->>'agents_exact')::double precision,
           (n->>'hours_per_hire')::double precision,
           (n->>'shortage_hours_per_week')::double precision, n->>'label', n->>'reason', k.id,
           coalesce((n->>'hires_productive')::integer, (n->>'agents_needed')::integer),
           coalesce((n->>'hours_per_hire_min')::double precision, (n->>'hours_per_hire')::double precision),
           coalesce((n->>'hours_per_hire_max')::double precision, (n->>'hours_per_hire')::double precision),
           coalesce((n->>'window_shortage_hours_per_week')::double precision,
                    (n->>'shortage_hours_per_week')::double precision),
           coalesce(n->>'ad', n->>'label')
    FROM jsonb_array_elements(coalesce(p_recruitment->'needs', '[]')) AS n
    JOIN staffd.queues q ON q.id = (n->>'queue_id')::bigint AND q.site_id = site
    LEFT JOIN staffd.contracts k ON k.id = (n->>'contract_id')::bigint AND k.site_id = site;

    INSERT INTO staffd.hiring_summary (queue_id, run_id, contract_id, template, min_hours_per_hire,
                                       shortage_hours_per_week, covered_hours_per_week,
                                       left_hours_per_week, hires, left_reason)
    SELECT q.id, p_run_id, k.id, h->>'contract', (h->>'min_hours_per_hire')::double precision,
           (x->>'shortage_hours_per_week')::double precision,
           (x->>'covered_hours_per_week')::double precision,
           (x->>'left_hours_per_week')::double precision, (x->>'hires')::integer,
           x->>'left_reason'
    FROM (SELECT p_recruitment->'hiring' AS h) AS hh
    CROSS JOIN LATERAL jsonb_array_elements(coalesce(hh.h->'queues', '[]')) AS x
    JOIN staffd.queues q ON q.id = (x->>'queue_id')::bigint AND q.site_id = site
    LEFT JOIN staffd.contracts k ON k.id = (hh.h->>'contract_id')::bigint AND k.site_id = site;

    INSERT INTO staffd.candidate_ranking (run_id, candidate_id, rank, shortage_minutes_per_week,
                                          explanation)
    SELECT p_run_id, c.id, (x->>'rank')::integer, (x->>'minutes_per_week')::double precision,
           x->>'explanation'
    FROM jsonb_array_elements(coalesce(p_recruitment->'candidates', '[]')) AS x
    JOIN staffd.candidates c ON c.id = (x->>'candidate_id')::bigint AND c.site_id = site;
END
$$;
