-- Replay runs: the evidence a wave gate checks. Keep in step with ../postgres/.
CREATE TABLE replay_runs (
    id              TEXT    PRIMARY KEY,
    system          TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    -- Mapping name -> {"source": "enrollment.created@v2", "target": "Enrollment__c@v1"}.
    contracts       TEXT    NOT NULL,
    -- SHA-256 of the catalog and of the dependency map the run used.
    catalog_digest  TEXT    NOT NULL,
    map_digest      TEXT    NOT NULL,
    started_at      TEXT    NOT NULL,
    finished_at     TEXT    NOT NULL,
    cases           INTEGER NOT NULL,
    passed          INTEGER NOT NULL,
    failed          INTEGER NOT NULL,
    report          TEXT    NOT NULL
);
CREATE INDEX replay_runs_by_system ON replay_runs (system, finished_at);
