-- Legacy import staging: what `switchyard legacy import` read, held until a wave releases it
-- into `events` (with its deliveries). Nothing here is delivered. Keep in step with ../sqlite/.

-- One row per import run: the files it read (paths), when, and its counts (JSON).
CREATE TABLE imports (
    id          TEXT        PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    files       JSONB       NOT NULL,
    counts      JSONB
);

-- One row per legacy account that becomes a migrated user. `wave` is NULL until a wave claims
-- the user; a user belongs to one wave. `import_id` is the import that first staged it.
CREATE TABLE legacy_users (
    legacy_id    TEXT        PRIMARY KEY,
    user_id      TEXT        NOT NULL,
    status       TEXT        NOT NULL CHECK (status IN ('active', 'inactive', 'expired')),
    created_at   TIMESTAMPTZ,
    partner_code TEXT,
    website      TEXT,
    enrollments  BIGINT      NOT NULL,
    import_id    TEXT        NOT NULL REFERENCES imports (id),
    wave         TEXT
);
CREATE INDEX legacy_users_by_wave ON legacy_users (wave);

-- Validated migration events, one per `source`+`event_id` (a re-import stages nothing twice).
-- `released_at` is set when a wave has recorded the event in `events`.
CREATE TABLE staged_events (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    legacy_id   TEXT        NOT NULL,
    source      TEXT        NOT NULL,
    event_id    TEXT        NOT NULL,
    event_type  TEXT        NOT NULL,
    version     INTEGER     NOT NULL,
    time        TIMESTAMPTZ,
    data        JSONB       NOT NULL,
    import_id   TEXT        NOT NULL REFERENCES imports (id),
    released_at TIMESTAMPTZ,
    UNIQUE (source, event_id)
);
CREATE INDEX staged_events_by_legacy_id ON staged_events (legacy_id);

-- Rows of an import that did not become events: the place (file, line), the account when
-- known, the reason (it names columns and rules, never values) and the edge-case class.
CREATE TABLE quarantine (
    import_id TEXT        NOT NULL REFERENCES imports (id),
    file      TEXT        NOT NULL,
    line      BIGINT      NOT NULL,
    legacy_id TEXT,
    reason    TEXT        NOT NULL,
    class     TEXT
);
CREATE INDEX quarantine_by_import ON quarantine (import_id, file, line);
CREATE INDEX quarantine_by_legacy_id ON quarantine (legacy_id) WHERE legacy_id IS NOT NULL;
