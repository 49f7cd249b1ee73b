-- Asynchronous deliveries (a Salesforce Bulk API job) and verification by read-back.
-- Keep in step with ../sqlite/.
--
-- `submitted`: the downstream has the delivery and works on it; `ticket` is the adapter's
-- handle on that work (e.g. a Bulk job id), `next_attempt_at` when to collect the result.
-- `verify_at` / `verify_deadline`: a `delivered` delivery whose expectations are still to be
-- read back, due at `verify_at`, a silent failure if they do not hold by `verify_deadline`.

ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check CHECK (state IN ('pending', 'in_flight',
    'submitted', 'delivered', 'rejected', 'dead_lettered', 'confirmed', 'silent_failure', 'held'));
ALTER TABLE deliveries ADD COLUMN ticket TEXT;
ALTER TABLE deliveries ADD COLUMN verify_at TIMESTAMPTZ;
ALTER TABLE deliveries ADD COLUMN verify_deadline TIMESTAMPTZ;
CREATE INDEX deliveries_verify_due ON deliveries (system, verify_at) WHERE verify_at IS NOT NULL;
