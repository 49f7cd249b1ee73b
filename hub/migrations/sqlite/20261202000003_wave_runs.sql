-- Running waves: each delivery a wave released carries the wave's name, so the wave's queued
-- deliveries can be held (paused) and counted without joining the users; the wave keeps where
-- its feeding is (the last legacy id released), which hub feeds it (a lease), and the
-- dead-letter and silent-failure counts at its last start or resume (auto-pause compares
-- against them).
ALTER TABLE deliveries ADD COLUMN wave TEXT;
CREATE INDEX deliveries_by_wave ON deliveries (wave, state, system) WHERE wave IS NOT NULL;

-- The feeder walks a wave's users in legacy id order.
CREATE INDEX legacy_users_by_wave_and_id ON legacy_users (wave, legacy_id);

ALTER TABLE waves ADD COLUMN fed_users INTEGER NOT NULL DEFAULT 0;
ALTER TABLE waves ADD COLUMN cursor TEXT;
ALTER TABLE waves ADD COLUMN feeder TEXT;
ALTER TABLE waves ADD COLUMN feeder_until TEXT;
ALTER TABLE waves ADD COLUMN baseline TEXT;
ALTER TABLE waves ADD COLUMN finished_at TEXT;
