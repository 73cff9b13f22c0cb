-- Schema version 7: the progress a worker last reported with a heartbeat of the current claim
-- (docs/api.md, heartbeat), as JSON text exactly as sent. Null when none was reported; every
-- transition writes it with the lease, so it is null again once the claim ends. Adding a nullable
-- column without a default rewrites no rows.
ALTER TABLE ${schema}.tasks ADD COLUMN progress text;
