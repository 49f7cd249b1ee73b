-- Replay runs: the evidence a wave gate checks. Keep in step with ../sqlite/.
CREATE TABLE replay_runs (
    id              TEXT        PRIMARY KEY,
    system          TEXT        NOT NULL,
    target          TEXT        NOT NULL,
    -- Mapping name -> {"source": "enrollment.created@v2", "target": "Enrollment__c@v1"}.
    contracts       JSONB       NOT NULL,
    -- SHA-256 of the catalog and of the dependency map the run used.
    catalog_digest  TEXT        NOT NULL,
    map_digest      TEXT        NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ NOT NULL,
    cases           BIGINT      NOT NULL,
    passed          BIGINT      NOT NULL,
    failed          BIGINT      NOT NULL,
    report          JSONB       NOT NULL
);
CREATE INDEX replay_runs_by_system ON replay_runs (system, finished_at);
