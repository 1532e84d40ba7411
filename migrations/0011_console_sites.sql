-- SPDX-License-Identifier: ISC
-- The console per site (docs/console.md): a hire is made at the site the
-- planner is looking at, and refused when the applicant or the contract is of
-- another site.
--
-- staffd.console_hire(session, candidate, contract, site) checks the session
-- and its role, then the sites of the applicant and of the contract against
-- the site the form was sent from, all in the hire's own statement (the
-- applicant's row is locked first, so it cannot move meanwhile). The same_site
-- rule (0008_sites) would refuse a contract of another site anyway; checking
-- here first gives the planner a sentence that names both sites instead of a
-- rule about an agent that was never made.
--
-- The three-argument form stays for a daemon of the previous version during a
-- rolling upgrade; it hires at the applicant's own site, as before.
--
-- Console sign-in links stay company-wide: a session reads every site (see
-- docs/console.md, "Sites").

CREATE FUNCTION staffd.console_hire(p_session_sha256 bytea, p_candidate_id bigint,
                                    p_contract_id bigint, p_site bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    who           text;
    r             text;
    agent         bigint;
    cand_name     text;
    cand_site     bigint;
    contract_name text;
    contract_site bigint;
BEGIN
    SELECT s.user_name, s.role INTO who, r FROM staffd.console_session(p_session_sha256) s;
    IF who IS NULL THEN
        RAISE EXCEPTION 'the console session is not valid (signed out, expired or revoked)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF r <> 'planner' THEN
        RAISE EXCEPTION '% is a %: only planners can hire', who, r
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- An unknown applicant or contract is staffd.hire's to name.
    SELECT c.name, c.site_id INTO cand_name, cand_site FROM staffd.candidates c
    WHERE c.id = p_candidate_id FOR UPDATE;
    SELECT k.name, k.site_id INTO contract_name, contract_site FROM staffd.contracts k
    WHERE k.id = p_contract_id;
    IF p_site IS NOT NULL AND cand_site IS DISTINCT FROM p_site AND cand_site IS NOT NULL THEN
        RAISE EXCEPTION 'applicant % (%) applied to site %, not to site %: hire them from their own site',
                        p_candidate_id, cand_name, (SELECT name FROM staffd.sites WHERE id = cand_site),
                        coalesce((SELECT name FROM staffd.sites WHERE id = p_site), p_site::text)
            USING ERRCODE = 'check_violation',
                  HINT = 'An applicant becomes an agent of the site they applied to.';
    END IF;
    IF coalesce(p_site, cand_site) IS DISTINCT FROM contract_site AND contract_site IS NOT NULL THEN
        RAISE EXCEPTION 'contract % (%) is of site %, not of site %: choose a contract of the applicant''s site',
                        p_contract_id, contract_name,
                        (SELECT name FROM staffd.sites WHERE id = contract_site),
                        coalesce((SELECT name FROM staffd.sites WHERE id = coalesce(p_site, cand_site)),
                                 coalesce(p_site, cand_site)::text)
            USING ERRCODE = 'check_violation',
                  HINT = 'An agent''s contract belongs to its own site.';
    END IF;
    agent := staffd.hire(p_candidate_id, p_contract_id);
    INSERT INTO staffd.console_audit (user_name, action, detail)
    VALUES (who, 'hire', format('candidate %s as agent %s under contract %s at site %s', p_candidate_id,
                                agent, p_contract_id, cand_site));
    RETURN agent;
END
$$;
COMMENT ON FUNCTION staffd.console_hire(bytea, bigint, bigint, bigint) IS
    'A hire from the console at a site: the session must be a planner''s, the applicant and contract of that site.';

-- As before for an older daemon: the applicant's own site.
CREATE OR REPLACE FUNCTION staffd.console_hire(p_session_sha256 bytea, p_candidate_id bigint,
                                               p_contract_id bigint) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    SELECT staffd.console_hire(p_session_sha256, p_candidate_id, p_contract_id, NULL)
$$;
