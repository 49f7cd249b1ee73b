-- The ledger (SQLite). Timestamps are RFC 3339 UTC text written by sqlx, which sorts and
-- compares correctly as text; JSON is text. Keep in step with ../postgres/.

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    source      TEXT    NOT NULL,
    event_id    TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    time        TEXT,
    data        TEXT    NOT NULL,
    legacy_id   TEXT,
    received_at TEXT    NOT NULL,
    UNIQUE (source, event_id)
);
CREATE INDEX events_by_event_id ON events (event_id);
CREATE INDEX events_by_legacy_id ON events (legacy_id) WHERE legacy_id IS NOT NULL;

CREATE TABLE deliveries (
    id                    TEXT    PRIMARY KEY,
    event_row             INTEGER NOT NULL REFERENCES events (id),
    system                TEXT    NOT NULL,
    mapping               TEXT    NOT NULL,
    state                 TEXT    NOT NULL CHECK (state IN ('pending', 'in_flight', 'delivered',
                              'rejected', 'dead_lettered', 'confirmed', 'silent_failure', 'held')),
    attempts              INTEGER NOT NULL DEFAULT 0,
    attempts_before_redrive INTEGER NOT NULL DEFAULT 0,
    next_attempt_at       TEXT    NOT NULL,
    lease_owner           TEXT,
    lease_until           TEXT,
    last_reason           TEXT,
    downstream_id         TEXT,
    redriven_at           TEXT,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL,
    UNIQUE (event_row, system)
);
CREATE INDEX deliveries_due ON deliveries (system, state, next_attempt_at);
CREATE INDEX deliveries_by_state ON deliveries (state, updated_at);

CREATE TABLE attempts (
    delivery_id TEXT    NOT NULL REFERENCES deliveries (id),
    number      INTEGER NOT NULL,
    worker_id   TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    finished_at TEXT    NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('delivered', 'retry', 'rejected', 'dead_lettered')),
    http_status INTEGER,
    code        TEXT,
    summary     TEXT    NOT NULL,
    PRIMARY KEY (delivery_id, number)
);
