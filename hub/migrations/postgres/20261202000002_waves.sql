-- Migration waves: a named cohort of legacy users (`legacy_users.wave`), the owners' sign-offs
-- and every action taken on the wave (who, when, why, with what evidence). Keep in step with
-- ../sqlite/.

CREATE TABLE waves (
    name       TEXT        PRIMARY KEY,
    -- The selection as ops wrote it (`--select` values, joined by " and ").
    cohort     TEXT        NOT NULL,
    state      TEXT        NOT NULL CHECK (state IN ('planned', 'running', 'paused', 'aborted', 'completed')),
    users      BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- One sign-off per owner group of an impacted system (a later one replaces it).
CREATE TABLE wave_signoffs (
    wave      TEXT        NOT NULL REFERENCES waves (name),
    owner     TEXT        NOT NULL,
    signed_by TEXT        NOT NULL,
    note      TEXT,
    signed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (wave, owner)
);

-- Everything done to a wave, in order: planned, signed off, gated, overridden, started...
CREATE TABLE wave_actions (
    id       BIGSERIAL   PRIMARY KEY,
    wave     TEXT        NOT NULL REFERENCES waves (name),
    action   TEXT        NOT NULL,
    actor    TEXT        NOT NULL,
    reason   TEXT,
    evidence JSONB,
    at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX wave_actions_by_wave ON wave_actions (wave, id);
