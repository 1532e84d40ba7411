-- SPDX-License-Identifier: ISC
-- Breaks and preferences: the format of contracts.break_rules, checked at
-- write time with a message that says what is wrong; staffd.preferences, the
-- agents' wishes about days and times; and staffd.publish_run, which now also
-- lands each shift's breaks in staffd.shift_breaks, in the same statement as
-- the shifts. docs/interfaces.md describes both inputs and how the planner
-- reads them.

------------------------------------------------------------------------------
-- contracts.break_rules
------------------------------------------------------------------------------

-- A JSON array of up to 8 rules. Each rule is an object:
--   min_shift_minutes  (required) the rule applies to shifts at least this long
--   max_shift_minutes  (optional) ... and at most this long
--   minutes            (required) the break's length: 15, 30, ... 120
--   paid               (required) true or false
--   earliest_after     (optional) the break starts at least this many minutes
--   latest_after       (optional) ... and at most this many minutes after the
--                      start of the shift (of each half, with in_each_half);
--                      by default the middle half of the shift (or half)
--   in_each_half       (optional) one such break in each half of the shift
-- Example: [{"min_shift_minutes": 360, "minutes": 30, "paid": false,
--            "earliest_after": 180, "latest_after": 300},
--           {"min_shift_minutes": 240, "minutes": 15, "paid": true, "in_each_half": true}]
-- Returns NULL when the rules are fine, else what is wrong with them.
CREATE FUNCTION staffd.break_rules_problem(rules jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    r         jsonb;
    i         bigint;
    k         text;
    known     text[] := ARRAY['min_shift_minutes', 'max_shift_minutes', 'minutes', 'paid',
                              'earliest_after', 'latest_after', 'in_each_half'];
    mins      integer;
    min_len   integer;
    max_len   integer;
    lo        integer;
    hi        integer;
    each_half boolean;
    fit       integer;
BEGIN
    IF rules IS NULL OR jsonb_typeof(rules) <> 'array' THEN
        RETURN 'must be a JSON array of rules (objects)';
    END IF;
    IF jsonb_array_length(rules) > 8 THEN
        RETURN format('hold %s rules; at most 8 are allowed', jsonb_array_length(rules));
    END IF;
    FOR r, i IN SELECT e.value, e.n FROM jsonb_array_elements(rules) WITH ORDINALITY AS e(value, n)
                ORDER BY e.n LOOP
        IF jsonb_typeof(r) <> 'object' THEN
            RETURN format('rule %s is %s, not a JSON object', i, r);
        END IF;
        FOR k IN SELECT jsonb_object_keys(r) LOOP
            IF NOT k = ANY (known) THEN
                RETURN format('rule %s has an unknown key "%s" (known: %s)', i, k,
                              array_to_string(known, ', '));
            END IF;
        END LOOP;
        FOREACH k IN ARRAY ARRAY['min_shift_minutes', 'minutes', 'paid'] LOOP
            IF NOT r ? k THEN
                RETURN format('rule %s has no "%s" (min_shift_minutes, minutes and paid are required)', i, k);
            END IF;
        END LOOP;
        FOREACH k IN ARRAY ARRAY['min_shift_minutes', 'max_shift_minutes', 'minutes', 'earliest_after',
                                 'latest_after'] LOOP
            IF r ? k AND (jsonb_typeof(r -> k) <> 'number'
                          OR (r ->> k)::numeric <> trunc((r ->> k)::numeric)
                          OR (r ->> k)::numeric NOT BETWEEN 0 AND 1440) THEN
                RETURN format('rule %s: "%s" must be a whole number of minutes from 0 to 1440, not %s',
                              i, k, r -> k);
            END IF;
        END LOOP;
        FOREACH k IN ARRAY ARRAY['paid', 'in_each_half'] LOOP
            IF r ? k AND jsonb_typeof(r -> k) <> 'boolean' THEN
                RETURN format('rule %s: "%s" must be true or false, not %s', i, k, r -> k);
            END IF;
        END LOOP;
        mins := (r ->> 'minutes')::integer;
        min_len := (r ->> 'min_shift_minutes')::integer;
        max_len := coalesce((r ->> 'max_shift_minutes')::integer, 1440);
        lo := (r ->> 'earliest_after')::integer;
        hi := (r ->> 'latest_after')::integer;
        each_half := coalesce((r ->> 'in_each_half')::boolean, false);
        IF mins < 15 OR mins > 120 OR mins % 15 <> 0 THEN
            RETURN format('rule %s: "minutes" must be 15, 30, 45, ... up to 120 (breaks are planned '
                          'on the 15-minute grid), not %s', i, mins);
        END IF;
        IF max_len < min_len THEN
            RETURN format('rule %s: "max_shift_minutes" (%s) is below "min_shift_minutes" (%s)',
                          i, max_len, min_len);
        END IF;
        -- The shortest stretch the break must fit in: the shortest shift, or its first half.
        fit := CASE WHEN each_half THEN min_len / 2 / 15 * 15 ELSE min_len END;
        IF mins >= fit THEN
            RETURN format('rule %s: a %s-minute break leaves no work in %s of a %s-minute shift; '
                          'raise "min_shift_minutes"', i, mins,
                          CASE WHEN each_half THEN 'the first half' ELSE 'the whole' END, min_len);
        END IF;
        IF lo % 15 <> 0 OR hi % 15 <> 0 THEN
            RETURN format('rule %s: "earliest_after" and "latest_after" must be multiples of 15', i);
        END IF;
        IF lo > hi THEN
            RETURN format('rule %s: "earliest_after" (%s) is after "latest_after" (%s)', i, lo, hi);
        END IF;
        IF greatest(lo, hi) + mins > fit THEN
            RETURN format('rule %s: a %s-minute break starting %s minutes after the start of %s does '
                          'not fit in a %s-minute shift, the shortest the rule applies to',
                          i, mins, greatest(lo, hi),
                          CASE WHEN each_half THEN 'a half' ELSE 'the shift' END, min_len);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

CREATE FUNCTION staffd.check_break_rules() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    problem text := staffd.break_rules_problem(NEW.break_rules);
BEGIN
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'break_rules of contract "%" %', NEW.name,
            CASE WHEN problem LIKE 'rule %' THEN 'are invalid: ' || problem ELSE problem END
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contract_break_rules_valid',
                  HINT = 'A JSON array such as [{"min_shift_minutes": 360, "minutes": 30, "paid": false, '
                         '"earliest_after": 180, "latest_after": 300}, {"min_shift_minutes": 240, '
                         '"minutes": 15, "paid": true, "in_each_half": true}]';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER contract_break_rules_valid BEFORE INSERT OR UPDATE OF break_rules ON staffd.contracts
    FOR EACH ROW EXECUTE FUNCTION staffd.check_break_rules();

COMMENT ON COLUMN staffd.contracts.break_rules IS
    'Breaks by shift length, e.g. [{"min_shift_minutes": 360, "minutes": 30, "paid": false, '
    '"earliest_after": 180, "latest_after": 300}, {"min_shift_minutes": 240, "minutes": 15, "paid": true, '
    '"in_each_half": true}]; see staffd.break_rules_problem() for every key.';
COMMENT ON TABLE staffd.shift_breaks IS
    'Breaks inside published shifts, placed by staffd where the queue misses the agent least; '
    'replaced whenever the shift changes.';

------------------------------------------------------------------------------
-- staffd.preferences
------------------------------------------------------------------------------

CREATE TABLE staffd.preferences (
    id         bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    agent_id   bigint NOT NULL REFERENCES staffd.agents (id) ON DELETE CASCADE,
    weekday    integer
        CONSTRAINT preference_weekday_is_iso_1_to_7 CHECK (weekday BETWEEN 1 AND 7),
    on_date    date,
    start_time time,
    end_time   time,
    kind       text NOT NULL
        CONSTRAINT preference_kind_is_prefer_or_avoid CHECK (kind IN ('prefer', 'avoid')),
    weight     double precision NOT NULL DEFAULT 1
        CONSTRAINT preference_weight_above_0_and_at_most_100 CHECK (weight > 0 AND weight <= 100),
    note       text,
    CONSTRAINT preference_has_a_weekday_or_a_date_not_both CHECK ((weekday IS NULL) <> (on_date IS NULL)),
    CONSTRAINT preference_start_time_and_end_time_both_or_neither
        CHECK ((start_time IS NULL) = (end_time IS NULL)),
    CONSTRAINT preference_window_not_empty CHECK (start_time IS NULL OR start_time <> end_time)
);
COMMENT ON TABLE staffd.preferences IS
    'An agent''s wish about a weekday (ISO 1-7) or a date, in the agent''s local time: kind ''avoid'' '
    '(not to work then) or ''prefer'' (to work then); without start_time/end_time it is about the whole '
    'day. The planner honours it when coverage allows; weight 1 is worth about an hour of one agent short.';
COMMENT ON COLUMN staffd.preferences.weight IS
    'How much it matters, above 0 up to 100; 1 (the default) weighs like an hour of one missing agent.';
CREATE INDEX preferences_agent ON staffd.preferences (agent_id);

CREATE TRIGGER preferences_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staffd.preferences
    FOR EACH STATEMENT EXECUTE FUNCTION staffd.notify_changed();

------------------------------------------------------------------------------
-- staffd.publish_run, with breaks
------------------------------------------------------------------------------

-- As in 0002, plus breaks: every insert and update carries its shift's breaks
-- as "b": [{"s": start, "e": end, "p": paid}, ...] (Unix seconds). A new
-- shift's UUID is minted here, so its breaks are matched to it by agent and
-- start; an updated or cancelled shift loses its old breaks, and an updated
-- one gets the new ones.
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
        RETURNING id, agent_id, starts
    ), ins_breaks AS (
        INSERT INTO staffd.shift_breaks (shift_id, starts, ends, paid)
        SELECT ins.id, to_timestamp(b.s), to_timestamp(b.e), b.p
        FROM jsonb_to_recordset(p_inserts) AS x(a bigint, s bigint, b jsonb)
        JOIN ins ON ins.agent_id = x.a AND ins.starts = to_timestamp(x.s)
        CROSS JOIN LATERAL jsonb_to_recordset(coalesce(x.b, '[]')) AS b(s bigint, e bigint, p boolean)
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
