-- SPDX-License-Identifier: ISC
-- The assistant's share: companies that keep an AI assistant in front of their
-- people let it resolve part of the contacts and hand the rest, often the
-- harder ones, to an agent. A queue says which share the assistant resolves
-- (assistant_share, 0 to below 1) and how long an escalated contact takes a
-- person (escalated_aht_seconds; NULL: the forecast's aht_seconds); a demand
-- row may say otherwise for its interval (demand.assistant_share). Staffing
-- is computed for what reaches people: contacts x (1 - share) at the
-- escalated handle time. `staffd recruit --what-if-containment S` answers how
-- many agents and hires another share would need.

ALTER TABLE staffd.queues
    ADD COLUMN assistant_share double precision NOT NULL DEFAULT 0
        CONSTRAINT queue_assistant_share_from_0_below_1 CHECK (assistant_share >= 0 AND assistant_share < 1),
    ADD COLUMN escalated_aht_seconds double precision
        CONSTRAINT queue_escalated_aht_seconds_above_0_at_most_a_day
        CHECK (escalated_aht_seconds IS NULL OR (escalated_aht_seconds > 0 AND escalated_aht_seconds <= 86400));
COMMENT ON COLUMN staffd.queues.assistant_share IS
    'Share of the forecast contacts an AI assistant resolves without an agent (0 to below 1); agents are planned for the rest.';
COMMENT ON COLUMN staffd.queues.escalated_aht_seconds IS
    'Handle time of a contact the assistant hands over (often longer than the average); NULL: the forecast''s aht_seconds.';

ALTER TABLE staffd.demand
    ADD COLUMN assistant_share double precision
        CONSTRAINT demand_assistant_share_from_0_below_1
        CHECK (assistant_share IS NULL OR (assistant_share >= 0 AND assistant_share < 1));
COMMENT ON COLUMN staffd.demand.assistant_share IS
    'The assistant''s share in this interval, where it differs from the queue''s (NULL: the queue''s).';
