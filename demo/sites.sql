-- SPDX-License-Identifier: ISC
-- staffd demo, two sites: after demo/demo.sql, the German voice team becomes a
-- site of its own ("dach", Europe/Berlin) beside the English and Nordic chat
-- teams (site 1, renamed "english and nordic"). `make demo DAEMONS=2` loads
-- it and runs two daemons, one leading each site.
--
-- Agents work under a contract and on queues of their own site, so the move
-- goes in the order the rules allow: the German agents' contracts are copied
-- into the new site, their skills are taken off, the queue moves, the agents
-- move, and their skills come back. The two German agents who also worked
-- English chat keep only German voice; applicants for German voice alone
-- move with it, and those who applied for both keep only English chat.

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
BEGIN;

INSERT INTO staffd.sites (id, name, time_zone) VALUES (2, 'dach', 'Europe/Berlin')
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, time_zone = EXCLUDED.time_zone;
SELECT setval(pg_get_serial_sequence('staffd.sites', 'id'), (SELECT max(id) FROM staffd.sites)) AS last_site \gset
UPDATE staffd.sites SET name = 'english and nordic' WHERE id = 1;

CREATE TEMP TABLE dach_agent ON COMMIT DROP AS
SELECT DISTINCT k.agent_id AS id FROM staffd.agent_skills k JOIN staffd.queues q ON q.id = k.queue_id
WHERE q.name = 'voice-de';

INSERT INTO staffd.contracts (name, site_id, min_minutes_per_week, max_minutes_per_week, max_days_per_week,
                              max_consecutive_days, min_rest_minutes, shift_lengths_minutes,
                              shift_start_step_minutes, break_rules)
SELECT c.name, 2, c.min_minutes_per_week, c.max_minutes_per_week, c.max_days_per_week,
       c.max_consecutive_days, c.min_rest_minutes, c.shift_lengths_minutes,
       c.shift_start_step_minutes, c.break_rules
FROM staffd.contracts c WHERE c.id IN (SELECT contract_id FROM staffd.agents WHERE id IN (SELECT id FROM dach_agent));

DELETE FROM staffd.agent_skills WHERE agent_id IN (SELECT id FROM dach_agent);
DELETE FROM staffd.candidate_skills k USING staffd.queues q
WHERE q.id = k.queue_id AND q.name = 'voice-de'
  AND EXISTS (SELECT 1 FROM staffd.candidate_skills o JOIN staffd.queues oq ON oq.id = o.queue_id
              WHERE o.candidate_id = k.candidate_id AND oq.name <> 'voice-de');
UPDATE staffd.queues SET site_id = 2 WHERE name = 'voice-de';
UPDATE staffd.agents a SET site_id = 2,
       contract_id = (SELECT n.id FROM staffd.contracts n JOIN staffd.contracts o ON o.name = n.name
                      WHERE o.id = a.contract_id AND n.site_id = 2)
WHERE a.id IN (SELECT id FROM dach_agent);
INSERT INTO staffd.agent_skills (agent_id, queue_id)
SELECT d.id, q.id FROM dach_agent d, staffd.queues q WHERE q.name = 'voice-de';
UPDATE staffd.candidates c SET site_id = 2
WHERE EXISTS (SELECT 1 FROM staffd.candidate_skills k JOIN staffd.queues q ON q.id = k.queue_id
              WHERE k.candidate_id = c.id AND q.name = 'voice-de');

COMMIT;

SELECT s.id, s.name, (SELECT count(*) FROM staffd.agents a WHERE a.site_id = s.id AND a.active) AS agents,
       (SELECT string_agg(q.name, ', ') FROM staffd.queues q WHERE q.site_id = s.id) AS queues
FROM staffd.sites s ORDER BY s.id;
