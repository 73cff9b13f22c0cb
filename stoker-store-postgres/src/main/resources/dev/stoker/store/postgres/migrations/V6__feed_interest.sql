-- Schema version 6: which servers have a subscriber on GET /v1/events, so that the other servers
-- send the transition notices of their writes only while someone will read them (a transaction
-- that NOTIFYs takes a database-wide lock at commit; docs/adr/0008, docs/backends/postgres.md#events).
-- One row per server node while it has subscribers (and a grace period after), live while `until`
-- is in the future by the database's clock; a server that stops deletes its row, a server that
-- crashed leaves one that simply expires.
CREATE TABLE ${schema}.feed_interest (
  node integer PRIMARY KEY,
  until timestamptz NOT NULL
);
