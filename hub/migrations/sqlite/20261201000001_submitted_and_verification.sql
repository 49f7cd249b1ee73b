-- no-transaction
-- Asynchronous deliveries (a Salesforce Bulk API job) and verification by read-back.
-- Keep in step with ../postgres/.
--
-- `submitted`: the downstream has the delivery and works on it; `ticket` is the adapter's
-- handle on that work (e.g. a Bulk job id), `next_attempt_at` when to collect the result.
-- `verify_at` / `verify_deadline`: a `delivered` delivery whose expectations are still to be
-- read back, due at `verify_at`, a silent failure if they do not hold by `verify_deadline`.
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt the way SQLite's
-- documentation prescribes (foreign keys off outside the transaction, new table, copy, drop,
-- rename), so `attempts` keeps referring to `deliveries`.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE deliveries_next (
    id                    TEXT    PRIMARY KEY,
    event_row             INTEGER NOT NULL REFERENCES events (id),
    system                TEXT    NOT NULL,
    mapping               TEXT    NOT NULL,
    state                 TEXT    NOT NULL CHECK (state IN ('pending', 'in_flight', 'submitted',
                              'delivered', 'rejected', 'dead_lettered', 'confirmed',
                              'silent_failure', 'held')),
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
    ticket                TEXT,
    verify_at             TEXT,
    verify_deadline       TEXT,
    UNIQUE (event_row, system)
);
INSERT INTO deliveries_next (id, event_row, system, mapping, state, attempts,
        attempts_before_redrive, next_attempt_at, lease_owner, lease_until, last_reason,
        downstream_id, redriven_at, created_at, updated_at)
    SELECT id, event_row, system, mapping, state, attempts, attempts_before_redrive,
        next_attempt_at, lease_owner, lease_until, last_reason, downstream_id, redriven_at,
        created_at, updated_at
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_next RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (system, state, next_attempt_at);
CREATE INDEX deliveries_by_state ON deliveries (state, updated_at);
CREATE INDEX deliveries_verify_due ON deliveries (system, verify_at) WHERE verify_at IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
