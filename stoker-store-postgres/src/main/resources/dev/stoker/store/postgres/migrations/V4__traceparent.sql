-- Schema version 4: the W3C traceparent a task was enqueued with (docs/api.md, enqueue), returned
-- with the task to the worker that claims it. Nullable, written once at enqueue; rows of earlier
-- versions have none. Adding a nullable column without a default rewrites no rows.
ALTER TABLE ${schema}.tasks ADD COLUMN traceparent text;
