-- SPDX-License-Identifier: ISC
-- staffd demo data: three queues, two weeks of demand shaped on a real bank's
-- call arrivals, ~150 remote agents in nine time zones, time off and applicants.
--
--   psql -v ON_ERROR_STOP=1 -f demo/demo.sql        (from the repository root,
--                                                    after the migrations)
--
-- Everything is relative to the current date: demand covers 14 days from 00:00
-- UTC today, time off and validity dates are counted from today. "Now" is the
-- database's now(), or the instant the session sets in staffd.demo_clock (the
-- tests plan as of a fixed instant: PGOPTIONS='-c staffd.demo_clock=...'). The script
-- wipes every staffd input table (and, for a clean demo, the tables staffd
-- writes) and loads the same data again, so it can run any number of times.
-- "Random" variety comes from md5 of fixed keys, never from random(): the same
-- day gives the same demo. Demo e-mail addresses use example.com (RFC 2606).
--
-- Demand shape: demo/anonbank_arrivals_30min.csv (see demo/README.md), averaged
-- per weekday and half-hour. The bank's week runs Sunday to Thursday with a
-- short Friday; it is mapped onto Monday-Friday and a short Saturday, and
-- Sunday gets a low copy (30 %) of the working-day average. The profile is
-- read in each queue's local time, so peaks fall in local business hours.
-- Volumes are sized so that the ~150 agents cover most of the requirement but
-- leave gaps late in the evening, at weekends and early in the morning: the
-- recruitment tables then have something to say (students for evenings).

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;

BEGIN;

CREATE FUNCTION pg_temp.demo_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('staffd.demo_clock', true), '')::timestamptz, now())
$$;
CREATE FUNCTION pg_temp.demo_today() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (pg_temp.demo_now() AT TIME ZONE 'UTC')::date
$$;

-- The output tables refuse writes from outside the daemon; the daemon's own
-- switch lets this transaction wipe them so that the demo starts clean.
SET LOCAL staffd.writer = 'on';
TRUNCATE staffd.runs, staffd.shifts, staffd.shift_breaks, staffd.coverage,
         staffd.hiring_needs, staffd.hiring_summary, staffd.candidate_ranking, staffd.input_errors,
         staffd.feed_tokens, staffd.preferences, staffd.time_off, staffd.availability, staffd.agent_skills,
         staffd.agents, staffd.contracts, staffd.demand,
         staffd.candidate_skills, staffd.candidate_availability, staffd.candidates,
         staffd.queues
    RESTART IDENTITY;
UPDATE staffd.site_state SET last_run_id = NULL, published_at = NULL;
SET LOCAL staffd.writer = 'off';

------------------------------------------------------------------------------
-- Helpers (session-local)
------------------------------------------------------------------------------

-- A deterministic number in [0, 1) for a key.
CREATE FUNCTION pg_temp.rnd(key text) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT ('x' || substr(md5(key), 1, 8))::bit(32)::bigint / 4294967296.0
$$;

-- A plain-ASCII mailbox name from a person's name.
CREATE FUNCTION pg_temp.mailbox(first_name text, last_name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(
               translate(replace(lower(first_name || '.' || last_name), 'ß', 'ss'),
                         'åäöøæéèêëüúùíìıóòãâáàçşğñ ',
                         'aaooaeeeeuuuiiiooaaaacsgn-'),
               '[^a-z.-]', '', 'g')
$$;

-- Agents needed for one 15-minute cell by Erlang C (chat: the traffic is
-- divided by the concurrency), capped by the occupancy, before shrinkage.
-- Only used for the summary at the end; staffd computes its own.
CREATE FUNCTION pg_temp.erlang_c_agents(contacts double precision, aht double precision,
                                        concurrency integer, service_level double precision,
                                        target_seconds double precision,
                                        max_occupancy double precision) RETURNS integer
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    a double precision := contacts * aht / 900.0 / concurrency;  -- offered load, Erlangs
    n integer;
    b double precision;
    c double precision;
BEGIN
    IF a <= 0 THEN
        RETURN 0;
    END IF;
    n := 0;
    b := 1.0;                                        -- Erlang B for n agents, by recursion
    LOOP
        n := n + 1;
        b := a * b / (n + a * b);
        CONTINUE WHEN n <= a;
        c := n * b / (n - a * (1 - b));              -- Erlang C: probability of waiting
        EXIT WHEN a / n <= max_occupancy
              AND 1 - c * exp(-(n - a) * target_seconds * concurrency / aht) >= service_level;
    END LOOP;
    RETURN n;
END
$$;

CREATE TEMP TABLE demo_clock ON COMMIT DROP AS
    SELECT date_trunc('day', pg_temp.demo_now(), 'UTC') AS horizon_start, 14 AS horizon_days;

------------------------------------------------------------------------------
-- Queues
------------------------------------------------------------------------------

INSERT INTO staffd.queues
    (name, channel, time_zone, service_level, target_seconds, max_occupancy,
     concurrency, patience_seconds, shrinkage)
VALUES
    ('chat-en',  'chat',  'Europe/London',    0.80, 60, 0.85, 3, NULL, 0.30),
    ('chat-sv',  'chat',  'Europe/Stockholm', 0.80, 60, 0.85, 2, NULL, 0.32),
    ('voice-de', 'voice', 'Europe/Berlin',    0.80, 20, 0.85, 1, 240,  0.30);

-- How each queue turns the bank's profile into its own demand: a volume scale,
-- a handle-time factor (a chat takes longer than a call but an agent runs
-- several at once) and opening hours in the queue's local time.
CREATE TEMP TABLE demo_queue_profile ON COMMIT DROP AS
SELECT * FROM (VALUES
    ('chat-en',  2.10, 2.2, 360, 1440),   -- 06:00-24:00; Manila and New York extend the day
    ('chat-sv',  1.00, 2.0, 420, 1320),   -- 07:00-22:00
    ('voice-de', 1.20, 1.2, 420, 1320)    -- 07:00-22:00
) AS p (queue_name, volume_scale, aht_factor, open_minute, close_minute);

------------------------------------------------------------------------------
-- Demand, shaped on the bank's arrivals
------------------------------------------------------------------------------

CREATE TEMP TABLE anonbank_arrivals (
    date                 date,
    interval_start       time,
    vru_arrivals         integer,
    agent_queue_arrivals integer,
    served_by_agent      integer,
    sum_service_seconds  bigint,
    abandoned_in_queue   integer
) ON COMMIT DROP;

\copy anonbank_arrivals FROM 'demo/anonbank_arrivals_30min.csv' WITH (FORMAT csv, HEADER true)

-- Average arrivals per bank weekday and half-hour (a missing row is a half-hour
-- without calls), and the handle time of the calls served in it.
CREATE TEMP TABLE bank_profile ON COMMIT DROP AS
WITH days AS (
    SELECT extract(isodow FROM date)::integer AS bank_dow, count(DISTINCT date) AS n_days
    FROM anonbank_arrivals GROUP BY 1
), overall AS (
    SELECT sum(sum_service_seconds)::double precision / sum(served_by_agent) AS aht
    FROM anonbank_arrivals
), slot AS (
    SELECT extract(isodow FROM date)::integer AS bank_dow,
           (extract(hour FROM interval_start) * 2 + extract(minute FROM interval_start) / 30)::integer AS slot,
           sum(agent_queue_arrivals) AS arrivals,
           sum(served_by_agent) AS served,
           sum(sum_service_seconds) AS service_seconds
    FROM anonbank_arrivals GROUP BY 1, 2
)
SELECT d.bank_dow, s.slot,
       coalesce(x.arrivals, 0)::double precision / d.n_days AS arrivals_per_30min,
       coalesce(x.service_seconds::double precision / nullif(x.served, 0), o.aht) AS aht_seconds
FROM days d CROSS JOIN generate_series(0, 47) AS s (slot) CROSS JOIN overall o
LEFT JOIN slot x ON x.bank_dow = d.bank_dow AND x.slot = s.slot;

-- The demo week in local time: Monday-Friday = the bank's Sunday-Thursday,
-- Saturday = its short Friday, Sunday = 30 % of the working-day average.
CREATE TEMP TABLE demo_week_profile ON COMMIT DROP AS
SELECT local_dow, slot, arrivals_per_30min, aht_seconds
FROM bank_profile
JOIN (VALUES (1, 7), (2, 1), (3, 2), (4, 3), (5, 4), (6, 5)) AS m (local_dow, bank_dow) USING (bank_dow)
UNION ALL
SELECT 7, slot, 0.3 * avg(arrivals_per_30min),
       sum(arrivals_per_30min * aht_seconds) / nullif(sum(arrivals_per_30min), 0)
FROM bank_profile WHERE bank_dow IN (7, 1, 2, 3, 4)
GROUP BY slot;

-- Each 30-minute value is spread over its two 15-minute cells; a +-8 % wobble per
-- queue, local date and half-hour keeps days from being identical copies.
INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
SELECT q.id, c.interval_start, 15,
       round((w.arrivals_per_30min / 2 * p.volume_scale
              * (0.92 + 0.16 * pg_temp.rnd(q.name || '/' || c.local_ts::date || '/' || w.slot)))::numeric, 2),
       round((coalesce(w.aht_seconds, 180) * p.aht_factor)::numeric, 1)
FROM staffd.queues q
JOIN demo_queue_profile p ON p.queue_name = q.name
CROSS JOIN demo_clock k
CROSS JOIN LATERAL (
    SELECT t AS interval_start, t AT TIME ZONE q.time_zone AS local_ts
    FROM generate_series(k.horizon_start,
                         k.horizon_start + make_interval(days => k.horizon_days) - interval '15 minutes',
                         interval '15 minutes') AS t
) c
JOIN demo_week_profile w
  ON w.local_dow = extract(isodow FROM c.local_ts)
 AND w.slot = (extract(hour FROM c.local_ts) * 2 + extract(minute FROM c.local_ts)::integer / 30)
WHERE extract(hour FROM c.local_ts) * 60 + extract(minute FROM c.local_ts) >= p.open_minute
  AND extract(hour FROM c.local_ts) * 60 + extract(minute FROM c.local_ts) < p.close_minute
  AND w.arrivals_per_30min > 0;

------------------------------------------------------------------------------
-- Contracts
------------------------------------------------------------------------------

INSERT INTO staffd.contracts
    (name, min_minutes_per_week, max_minutes_per_week, max_days_per_week,
     max_consecutive_days, min_rest_minutes, shift_lengths_minutes, shift_start_step_minutes)
VALUES
    ('Full-time, 40 h',                 0, 2400, 5, 5, 660, '{480}',         30),
    ('Student evenings, up to 20 h',    0, 1200, 5, 4, 660, '{240,270,300}', 30),
    ('Rural part-time, up to 25 h',     0, 1500, 5, 5, 660, '{240,300,360}', 30);

CREATE TEMP TABLE demo_contract ON COMMIT DROP AS
SELECT * FROM (VALUES
    ('full-time', 'Full-time, 40 h'),
    ('student',   'Student evenings, up to 20 h'),
    ('rural',     'Rural part-time, up to 25 h')
) AS c (kind, contract_name);

------------------------------------------------------------------------------
-- Agents
------------------------------------------------------------------------------

-- Name pools per locale; every agent gets a distinct first/last combination.
CREATE TEMP TABLE demo_name_pool (locale text, first_names text[], last_names text[]) ON COMMIT DROP;
INSERT INTO demo_name_pool VALUES
('en_GB',
 ARRAY['Oliver','Amelia','Harry','Isla','Jack','Ava','George','Mia','Noah','Grace','Leo','Freya',
       'Arthur','Poppy','Oscar','Evie','Priya','Aisha','Kwame','Siobhan','Callum','Rhiannon','Tomasz','Zara'],
 ARRAY['Smith','Jones','Taylor','Brown','Williams','Wilson','Evans','Thomas','Roberts','Patel','Khan',
       'Hughes','O''Brien','Murphy','MacDonald','Campbell','Davies','Clarke','Ahmed','Okafor','Walsh','Lewis']),
('pt_PT',
 ARRAY['João','Inês','Tiago','Beatriz','Rui','Mariana','Duarte','Carolina','Miguel','Sofia'],
 ARRAY['Silva','Santos','Ferreira','Pereira','Oliveira','Costa','Rodrigues','Martins','Sousa','Fernandes']),
('en_PH',
 ARRAY['Jose','Mark','Angelica','Kristine','Jericho','Princess','Paolo','Rhea','Carlo','Jasmine','Ramon','Liza'],
 ARRAY['Santos','Reyes','Cruz','Bautista','Garcia','Mendoza','Villanueva','Dela Cruz','Ramos','Aquino','Navarro','Castillo']),
('en_US',
 ARRAY['Emily','Tyler','Destiny','Marcus','Sofia','Brandon','Olivia','Jamal','Hannah','Diego','Megan','Kevin'],
 ARRAY['Johnson','Rodriguez','Nguyen','Miller','Davis','Kim','Washington','Goldberg','Rivera','Chen','Anderson','Brooks']),
('sv_SE',
 ARRAY['Erik','Anna','Lars','Karin','Johan','Elin','Oskar','Maja','Björn','Sara','Emil','Linnea',
       'Axel','Ebba','Nils','Astrid','Gustav','Saga','Amir','Leila'],
 ARRAY['Andersson','Johansson','Karlsson','Nilsson','Eriksson','Larsson','Olsson','Persson','Svensson',
       'Gustafsson','Lindqvist','Berg','Lindström','Holm','Sandberg','Ekström','Hassan','Yilmaz']),
('sv_FI',
 ARRAY['Mikael','Johanna','Fredrik','Ulrika','Henrik','Camilla'],
 ARRAY['Lindholm','Nyberg','Sjöblom','Wikström','Grönroos','Lindroos']),
('de_DE',
 ARRAY['Lukas','Anna','Felix','Lea','Jonas','Hannah','Maximilian','Lena','Paul','Marie','Leon','Sophie',
       'Finn','Emilia','Tobias','Julia','Mehmet','Ayşe','Katarzyna','Dmitri'],
 ARRAY['Müller','Schmidt','Schneider','Fischer','Weber','Meyer','Wagner','Becker','Schulz','Hoffmann',
       'Koch','Richter','Wolf','Schröder','Neumann','Yılmaz','Kowalski','Braun','Zimmermann','Krüger']),
('de_AT',
 ARRAY['Florian','Katharina','Stefan','Theresa','David'],
 ARRAY['Gruber','Huber','Bauer','Pichler','Steiner','Moser']),
('de_CH',
 ARRAY['Luca','Nina','Jan','Laura'],
 ARRAY['Meier','Keller','Brunner','Baumann','Frei','Gerber']);

CREATE TEMP TABLE demo_names ON COMMIT DROP AS
SELECT locale, row_number() OVER (PARTITION BY locale ORDER BY md5(locale || f || '/' || l)) AS k,
       f AS first_name, l AS last_name
FROM demo_name_pool, unnest(first_names) AS f, unnest(last_names) AS l;

-- Who works where: one row per group of similar agents. Skills: mostly the
-- home queue; bilingual groups also take chat-en.
CREATE TEMP TABLE demo_staffing ON COMMIT DROP AS
SELECT row_number() OVER () AS group_no, *
FROM (VALUES
    ('en_GB', 'Europe/London',    'full-time', ARRAY['chat-en'],             15, true),
    ('en_GB', 'Europe/London',    'student',   ARRAY['chat-en'],              9, true),
    ('en_GB', 'Europe/London',    'rural',     ARRAY['chat-en'],              8, true),
    ('en_GB', 'Europe/London',    'full-time', ARRAY['chat-en'],              1, false),
    ('pt_PT', 'Europe/Lisbon',    'full-time', ARRAY['chat-en'],              3, true),
    ('pt_PT', 'Europe/Lisbon',    'rural',     ARRAY['chat-en'],              5, true),
    ('en_PH', 'Asia/Manila',      'full-time', ARRAY['chat-en'],              8, true),
    ('en_PH', 'Asia/Manila',      'student',   ARRAY['chat-en'],              6, true),
    ('en_US', 'America/New_York', 'full-time', ARRAY['chat-en'],              2, true),
    ('en_US', 'America/New_York', 'student',   ARRAY['chat-en'],              3, true),
    ('en_US', 'America/New_York', 'rural',     ARRAY['chat-en'],              2, true),
    ('sv_SE', 'Europe/Stockholm', 'full-time', ARRAY['chat-sv'],             12, true),
    ('sv_SE', 'Europe/Stockholm', 'full-time', ARRAY['chat-sv', 'chat-en'],   4, true),
    ('sv_SE', 'Europe/Stockholm', 'student',   ARRAY['chat-sv'],              6, true),
    ('sv_SE', 'Europe/Stockholm', 'student',   ARRAY['chat-sv', 'chat-en'],   3, true),
    ('sv_SE', 'Europe/Stockholm', 'rural',     ARRAY['chat-sv'],             12, true),
    ('sv_SE', 'Europe/Stockholm', 'rural',     ARRAY['chat-sv', 'chat-en'],   1, true),
    ('sv_SE', 'Europe/Stockholm', 'rural',     ARRAY['chat-sv'],              1, false),
    ('sv_FI', 'Europe/Helsinki',  'rural',     ARRAY['chat-sv'],              4, true),
    ('de_DE', 'Europe/Berlin',    'full-time', ARRAY['voice-de'],            21, true),
    ('de_DE', 'Europe/Berlin',    'full-time', ARRAY['voice-de', 'chat-en'],  2, true),
    ('de_DE', 'Europe/Berlin',    'student',   ARRAY['voice-de'],             7, true),
    ('de_DE', 'Europe/Berlin',    'student',   ARRAY['voice-de'],             1, false),
    ('de_DE', 'Europe/Berlin',    'rural',     ARRAY['voice-de'],            12, true),
    ('de_DE', 'Europe/Berlin',    'rural',     ARRAY['voice-de', 'chat-en'],  1, true),
    ('de_AT', 'Europe/Vienna',    'full-time', ARRAY['voice-de'],             2, true),
    ('de_AT', 'Europe/Vienna',    'rural',     ARRAY['voice-de'],             3, true),
    ('de_CH', 'Europe/Zurich',    'student',   ARRAY['voice-de'],             2, true)
) AS s (locale, time_zone, kind, skills, n, active);

CREATE TEMP TABLE demo_agent ON COMMIT DROP AS
WITH people AS (
    SELECT s.group_no, s.locale, s.time_zone, s.kind, s.skills, s.active, i,
           row_number() OVER (PARTITION BY s.locale ORDER BY s.group_no, i) AS k
    FROM demo_staffing s, generate_series(1, s.n) AS i
)
SELECT row_number() OVER (ORDER BY p.group_no, p.i) AS id,
       p.*, nm.first_name || ' ' || nm.last_name AS name,
       pg_temp.mailbox(nm.first_name, nm.last_name) AS mailbox
FROM people p JOIN demo_names nm ON nm.locale = p.locale AND nm.k = p.k;

INSERT INTO staffd.agents (id, name, email, time_zone, contract_id, active, hired_on)
SELECT a.id, a.name,
       a.mailbox || CASE WHEN row_number() OVER (PARTITION BY a.mailbox ORDER BY a.id) > 1
                         THEN row_number() OVER (PARTITION BY a.mailbox ORDER BY a.id)::text ELSE '' END
           || '@example.com',
       a.time_zone, c.id, a.active,
       pg_temp.demo_today() - (CASE a.kind WHEN 'student' THEN 20 + floor(pg_temp.rnd('hired/' || a.id) * 700)
                                   ELSE 30 + floor(pg_temp.rnd('hired/' || a.id) * 2500) END)::integer
FROM demo_agent a
JOIN demo_contract dc ON dc.kind = a.kind
JOIN staffd.contracts c ON c.name = dc.contract_name
ORDER BY a.id;
-- The ids above were given explicitly; move the identity past them so that
-- HR can add agents without naming an id.
SELECT setval(pg_get_serial_sequence('staffd.agents', 'id'), (SELECT max(id) FROM staffd.agents)) AS last_agent_id \gset

INSERT INTO staffd.agent_skills (agent_id, queue_id)
SELECT a.id, q.id
FROM demo_agent a, unnest(a.skills) AS s (queue_name)
JOIN staffd.queues q ON q.name = s.queue_name;

------------------------------------------------------------------------------
-- Availability: weekly patterns in the agent's local time
------------------------------------------------------------------------------

-- weekday lists use ISO numbers (1 = Monday); an end at 00:00 runs past midnight.
CREATE TEMP TABLE demo_pattern ON COMMIT DROP AS
SELECT * FROM (VALUES
    ('full-time', 'weekdays',            35, '{1,2,3,4,5}'::int[], '07:00'::time, '20:00'::time),
    ('full-time', 'weekdays+saturday',   30, '{1,2,3,4,5}',        '07:00',       '20:00'),
    ('full-time', 'weekdays+saturday',   30, '{6}',                '08:00',       '17:00'),
    ('full-time', 'tuesday-to-sunday',   25, '{2,3,4,5}',          '07:00',       '20:00'),
    ('full-time', 'tuesday-to-sunday',   25, '{6,7}',              '09:00',       '18:00'),
    ('full-time', 'school-run',          10, '{1,2,3,4,5}',        '08:30',       '18:00'),
    ('student',   'evenings',            40, '{1,2,3,4,5,6,7}',    '17:00',       '22:00'),
    ('student',   'evenings+saturday',   20, '{1,2,3,4,5,7}',      '17:00',       '22:00'),
    ('student',   'evenings+saturday',   20, '{6}',                '10:00',       '16:00'),
    ('student',   'from-four',           15, '{1,2,3,4,5}',        '16:00',       '22:00'),
    ('student',   'from-four',           15, '{7}',                '12:00',       '20:00'),
    ('student',   'night-owl',           15, '{1,2,3,4,6}',        '18:00',       '00:00'),
    ('student',   'night-owl',           15, '{5}',                '17:00',       '22:00'),
    ('student',   'no-tuesday-lectures', 10, '{1,3,4,5,6,7}',      '17:00',       '22:00'),
    ('rural',     'school-hours',        35, '{1,2,3,4,5}',        '09:00',       '15:00'),
    ('rural',     'early',               15, '{1,2,3,4,5}',        '08:00',       '14:00'),
    ('rural',     'afternoons',          15, '{1,2,3,4,5}',        '11:00',       '17:00'),
    ('rural',     'late-morning',        15, '{1,2,3,4,5}',        '10:00',       '16:00'),
    ('rural',     'with-saturday',       10, '{1,2,3,4,5}',        '09:00',       '15:00'),
    ('rural',     'with-saturday',       10, '{6}',                '09:00',       '13:00'),
    ('rural',     'fridays-off',         10, '{1,2,3,4}',          '09:00',       '15:00')
) AS p (kind, pattern, weight, weekdays, start_time, end_time);

-- Each agent draws one pattern of its contract kind, weighted.
CREATE TEMP TABLE demo_agent_pattern ON COMMIT DROP AS
WITH choices AS (
    SELECT DISTINCT kind, pattern, weight FROM demo_pattern
), cumulative AS (
    SELECT kind, pattern,
           sum(weight) OVER (PARTITION BY kind ORDER BY pattern) - weight AS lo,
           sum(weight) OVER (PARTITION BY kind ORDER BY pattern) AS hi,
           sum(weight) OVER (PARTITION BY kind) AS total
    FROM choices
)
SELECT a.id AS agent_id, c.pattern, a.kind
FROM demo_agent a
JOIN cumulative c ON c.kind = a.kind
 AND pg_temp.rnd('pattern/' || a.id) * c.total >= c.lo
 AND pg_temp.rnd('pattern/' || a.id) * c.total < c.hi;

INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)
SELECT ap.agent_id, wd, p.start_time, p.end_time
FROM demo_agent_pattern ap
JOIN demo_pattern p ON p.kind = ap.kind AND p.pattern = ap.pattern
CROSS JOIN LATERAL unnest(p.weekdays) AS wd
ORDER BY ap.agent_id, wd, p.start_time;

-- A few students start at the beginning of next week (new term timetable),
-- and one rural agent moves away in ten days.
UPDATE staffd.availability v SET valid_from = date_trunc('week', pg_temp.demo_today())::date + 7
FROM demo_agent a
WHERE a.id = v.agent_id AND a.kind = 'student' AND pg_temp.rnd('new-term/' || a.id) < 0.10;

UPDATE staffd.availability SET valid_until = pg_temp.demo_today() + 10
WHERE agent_id = (SELECT min(id) FROM demo_agent WHERE kind = 'rural' AND locale = 'sv_SE' AND active);

------------------------------------------------------------------------------
-- Time off, relative to each agent's local today
------------------------------------------------------------------------------

INSERT INTO staffd.time_off (agent_id, starts, ends, reason)
SELECT a.id,
       ((t.local_today + t.first_day)::timestamp) AT TIME ZONE a.time_zone,
       ((t.local_today + t.first_day + t.days)::timestamp) AT TIME ZONE a.time_zone,
       t.reason
FROM demo_agent a
CROSS JOIN LATERAL (
    SELECT (pg_temp.demo_now() AT TIME ZONE a.time_zone)::date AS local_today,
           1 + floor(pg_temp.rnd('off-start/' || a.id) * 10)::integer AS first_day,
           2 + floor(pg_temp.rnd('off-length/' || a.id) * 4)::integer AS days,
           CASE WHEN a.kind = 'student' THEN 'Exam week'
                ELSE (ARRAY['Vacation', 'Vacation', 'Moving house', 'Family visit', 'Sick child'])
                         [1 + floor(pg_temp.rnd('off-reason/' || a.id) * 5)::integer]
           END AS reason
) t
WHERE a.active AND pg_temp.rnd('off/' || a.id) < 0.12;

-- Appointments of a few hours.
INSERT INTO staffd.time_off (agent_id, starts, ends, reason)
SELECT a.id,
       ((pg_temp.demo_now() AT TIME ZONE a.time_zone)::date + d + time '10:00') AT TIME ZONE a.time_zone,
       ((pg_temp.demo_now() AT TIME ZONE a.time_zone)::date + d + time '13:00') AT TIME ZONE a.time_zone,
       (ARRAY['Doctor', 'Dentist', 'Driving test', 'Parent-teacher meeting'])
           [1 + floor(pg_temp.rnd('appt-reason/' || a.id) * 4)::integer]
FROM demo_agent a
CROSS JOIN LATERAL (SELECT 1 + floor(pg_temp.rnd('appt-day/' || a.id) * 12)::integer AS d) x
WHERE a.active AND a.kind <> 'student' AND pg_temp.rnd('appt/' || a.id) BETWEEN 0.50 AND 0.57;

-- One agent on parental leave for the whole horizon and beyond.
INSERT INTO staffd.time_off (agent_id, starts, ends, reason)
SELECT id, ((pg_temp.demo_now() AT TIME ZONE time_zone)::date - 60)::timestamp AT TIME ZONE time_zone,
       ((pg_temp.demo_now() AT TIME ZONE time_zone)::date + 120)::timestamp AT TIME ZONE time_zone, 'Parental leave'
FROM demo_agent WHERE kind = 'full-time' AND locale = 'de_DE' AND active
ORDER BY id LIMIT 1;

------------------------------------------------------------------------------
-- Applicants
------------------------------------------------------------------------------

CREATE TEMP TABLE demo_candidate ON COMMIT DROP AS
SELECT row_number() OVER () AS id, *
FROM (VALUES
    -- name, source, time zone, queues, availability pattern, minutes/week, status, score
    ('Wilma Nordin',       'student',  'Europe/Stockholm', ARRAY['chat-sv'],            'evenings',     1200, 'applied',   NULL::double precision),
    ('Hugo Lundgren',      'student',  'Europe/Stockholm', ARRAY['chat-sv','chat-en'],  'evenings',     1080, 'screening', 78),
    ('Alva Hedlund',       'student',  'Europe/Stockholm', ARRAY['chat-sv'],            'evenings',      900, 'interview', 84),
    ('Moa Sundberg',       'student',  'Europe/Stockholm', ARRAY['chat-sv'],            'weekend',       600, 'applied',   NULL),
    ('Jonas Vogel',        'student',  'Europe/Berlin',    ARRAY['voice-de'],           'evenings',     1200, 'applied',   NULL),
    ('Clara Lorenz',       'student',  'Europe/Berlin',    ARRAY['voice-de'],           'evenings',     1200, 'screening', 71),
    ('Emre Demir',         'student',  'Europe/Berlin',    ARRAY['voice-de','chat-en'], 'evenings',      960, 'interview', 88),
    ('Mia Hartmann',       'student',  'Europe/Vienna',    ARRAY['voice-de'],           'evenings',      720, 'applied',   NULL),
    ('Ellie Fraser',       'student',  'Europe/London',    ARRAY['chat-en'],            'late-evenings', 1200, 'applied',  NULL),
    ('Samuel Adeyemi',     'student',  'Europe/London',    ARRAY['chat-en'],            'evenings',     1200, 'screening', 80),
    ('Ashley Park',        'student',  'America/New_York', ARRAY['chat-en'],            'afternoons',    900, 'applied',   NULL),
    ('Ingrid Sjögren',     'rural',    'Europe/Stockholm', ARRAY['chat-sv'],            'daytime',      1500, 'interview', 90),
    ('Per-Olof Lund',      'rural',    'Europe/Stockholm', ARRAY['chat-sv'],            'daytime',      1200, 'applied',   NULL),
    ('Sabine Albrecht',    'rural',    'Europe/Berlin',    ARRAY['voice-de'],           'daytime',      1500, 'screening', 74),
    ('Heike Brandt',       'rural',    'Europe/Berlin',    ARRAY['voice-de'],           'daytime',      1200, 'offer',     92),
    ('Rhys Llewellyn',     'rural',    'Europe/London',    ARRAY['chat-en'],            'daytime',      1500, 'applied',   NULL),
    ('Ana Carvalho',       'rural',    'Europe/Lisbon',    ARRAY['chat-en'],            'daytime',      1200, 'applied',   NULL),
    ('Gunilla Forsberg',   'customer', 'Europe/Stockholm', ARRAY['chat-sv'],            'evenings',      600, 'applied',   NULL),
    ('Dieter Kaiser',      'customer', 'Europe/Berlin',    ARRAY['voice-de'],           'weekend',       480, 'screening', 69),
    ('Margaret Doyle',     'customer', 'Europe/London',    ARRAY['chat-en'],            'evenings',      720, 'applied',   NULL),
    ('Kofi Mensah',        'referral', 'Europe/London',    ARRAY['chat-en'],            'evenings',     1200, 'interview', 82),
    ('Lina Haddad',        'referral', 'Europe/Berlin',    ARRAY['voice-de','chat-en'], 'daytime',      2400, 'applied',   NULL),
    ('Marco Bianchi',      'other',    'Europe/Zurich',    ARRAY['voice-de'],           'evenings',      900, 'rejected',  41),
    ('Freja Dahl',         'student',  'Europe/Stockholm', ARRAY['chat-sv'],            'evenings',     1200, 'withdrawn', NULL)
) AS c (name, source, time_zone, queues, pattern, minutes_per_week_wanted, status, assessment_score);

INSERT INTO staffd.candidates
    (id, name, email, source, time_zone, minutes_per_week_wanted, status, assessment_score, applied_on, notes)
SELECT c.id, c.name,
       pg_temp.mailbox(split_part(c.name, ' ', 1), split_part(c.name, ' ', 2)) || '@example.com',
       c.source, c.time_zone, c.minutes_per_week_wanted, c.status, c.assessment_score,
       pg_temp.demo_today() - (3 + floor(pg_temp.rnd('applied/' || c.id) * 40))::integer,
       CASE c.source
           WHEN 'student'  THEN 'University student; free after lectures.'
           WHEN 'rural'    THEN 'Works from home in the countryside; fibre connection checked.'
           WHEN 'customer' THEN 'Long-time customer who knows the product.'
           WHEN 'referral' THEN 'Referred by a current agent.'
       END
FROM demo_candidate c ORDER BY c.id;
SELECT setval(pg_get_serial_sequence('staffd.candidates', 'id'), (SELECT max(id) FROM staffd.candidates)) AS last_candidate_id \gset

INSERT INTO staffd.candidate_skills (candidate_id, queue_id)
SELECT c.id, q.id
FROM demo_candidate c, unnest(c.queues) AS s (queue_name)
JOIN staffd.queues q ON q.name = s.queue_name;

INSERT INTO staffd.candidate_availability (candidate_id, weekday, start_time, end_time)
SELECT c.id, w.weekday, w.start_time, w.end_time
FROM demo_candidate c
JOIN (VALUES
    ('evenings',      '{1,2,3,4,5}'::int[],   '17:00'::time, '22:00'::time),
    ('evenings',      '{7}',                  '16:00',       '22:00'),
    ('late-evenings', '{1,2,3,4,5,7}',        '18:00',       '00:00'),
    ('afternoons',    '{1,2,3,4,5}',          '13:00',       '19:00'),
    ('weekend',       '{6,7}',                '10:00',       '20:00'),
    ('weekend',       '{3}',                  '17:00',       '22:00'),
    ('daytime',       '{1,2,3,4,5}',          '09:00',       '15:00')
) AS p (pattern, weekdays, start_time, end_time) ON p.pattern = c.pattern
CROSS JOIN LATERAL (SELECT wd AS weekday, p.start_time, p.end_time FROM unnest(p.weekdays) AS wd) w
ORDER BY c.id, w.weekday;

COMMIT;

------------------------------------------------------------------------------
-- Summary
------------------------------------------------------------------------------

\echo
\echo 'staffd demo data loaded'
SELECT (SELECT count(*) FROM staffd.queues)                       AS queues,
       (SELECT count(*) FROM staffd.demand)                       AS demand_rows,
       (SELECT count(*) FROM staffd.contracts)                    AS contracts,
       (SELECT count(*) FROM staffd.agents WHERE active)          AS active_agents,
       (SELECT count(*) FROM staffd.agents WHERE NOT active)      AS inactive_agents,
       (SELECT count(DISTINCT time_zone) FROM staffd.agents)      AS agent_time_zones,
       (SELECT count(*) FROM staffd.agent_skills)                 AS agent_skills,
       (SELECT count(*) FROM staffd.availability)                 AS availability_windows,
       (SELECT count(*) FROM staffd.time_off)                     AS time_off,
       (SELECT count(*) FROM staffd.candidates)                   AS candidates,
       (SELECT count(*) FROM staffd.candidate_availability)       AS candidate_windows;

\echo 'Demand over the horizon against a rough capacity, in agent-hours.'
\echo '  required: Erlang C per 15-minute cell with the occupancy cap, then shrinkage'
\echo '  capacity: contract hours of the active agents capped by their weekly availability,'
\echo '            an agent with two queues counted half in each (time off not subtracted)'
\echo '  "evening": 17:00-24:00 in the queue''s local time (agents'' windows moved into it)'
WITH cells AS (
    SELECT q.name,
           extract(hour FROM d.interval_start AT TIME ZONE q.time_zone) >= 17 AS evening,
           d.contacts,
           d.contacts * d.aht_seconds / q.concurrency / 3600.0 AS workload_hours,
           pg_temp.erlang_c_agents(d.contacts, d.aht_seconds, q.concurrency, q.service_level,
                                   q.target_seconds, q.max_occupancy) / (1 - q.shrinkage) * 0.25 AS required_hours
    FROM staffd.demand d JOIN staffd.queues q ON q.id = d.queue_id
), need AS (
    SELECT name, sum(contacts) AS contacts, sum(workload_hours) AS workload,
           sum(required_hours) AS required,
           coalesce(sum(required_hours) FILTER (WHERE evening), 0) AS required_evening
    FROM cells GROUP BY name
), windows AS (
    -- each window in minutes of the queue's local day (offsets as of now)
    SELECT a.id AS agent_id, q.name, c.max_minutes_per_week,
           1.0 / count(*) OVER (PARTITION BY a.id, v.id) AS share,
           s.m AS start_m,
           CASE WHEN v.end_time > v.start_time
                THEN extract(epoch FROM v.end_time - v.start_time) / 60
                ELSE 1440 - extract(epoch FROM v.start_time - v.end_time) / 60 END AS len_m
    FROM staffd.agents a
    JOIN staffd.contracts c ON c.id = a.contract_id
    JOIN staffd.availability v ON v.agent_id = a.id
    JOIN staffd.agent_skills k ON k.agent_id = a.id
    JOIN staffd.queues q ON q.id = k.queue_id
    CROSS JOIN LATERAL (
        SELECT (extract(epoch FROM v.start_time) / 60
                + extract(epoch FROM (pg_temp.demo_now() AT TIME ZONE q.time_zone) - (pg_temp.demo_now() AT TIME ZONE a.time_zone)) / 60
                + 2880)::integer % 1440 AS m
    ) s
    WHERE a.active
), per_agent AS (
    SELECT agent_id, name, max(share) AS share, max(max_minutes_per_week) AS cap,
           sum(len_m) AS window_m,
           -- overlap of [start, start + len) with 17:00-24:00, also on the next day
           sum(greatest(0, least(start_m + len_m, 1440) - greatest(start_m, 1020))
               + greatest(0, least(start_m + len_m, 2880) - greatest(start_m, 2460))) AS evening_m
    FROM windows GROUP BY agent_id, name
), capacity AS (
    SELECT name,
           sum(share * least(cap, window_m)) / 60 * 2 AS hours,          -- two weeks
           sum(share * least(cap, evening_m)) / 60 * 2 AS evening_hours
    FROM per_agent GROUP BY name
)
SELECT * FROM (
SELECT n.name AS queue,
       round(n.contacts::numeric) AS contacts,
       round(n.workload::numeric) AS workload_h,
       round(n.required::numeric) AS required_h,
       round(c.hours::numeric) AS capacity_h,
       round(n.required_evening::numeric) AS evening_required_h,
       round(c.evening_hours::numeric) AS evening_capacity_h
FROM need n JOIN capacity c USING (name)
UNION ALL
SELECT 'total', round(sum(n.contacts)::numeric), round(sum(n.workload)::numeric),
       round(sum(n.required)::numeric), round(sum(c.hours)::numeric),
       round(sum(n.required_evening)::numeric), round(sum(c.evening_hours)::numeric)
FROM need n JOIN capacity c USING (name)
) AS summary
ORDER BY queue = 'total', queue;
