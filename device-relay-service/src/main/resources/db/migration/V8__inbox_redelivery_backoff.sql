-- Redeliveries to a connected device that has not acknowledged since: each one waits twice as long as
-- the one before (up to a cap), so that a slow path (a backlog longer than the redelivery timeout)
-- is not flooded with copies of what is still on its way. Reset by an ack that moves, a hello, and
-- the first entry after everything was acknowledged.
ALTER TABLE relay.inbox_cursor ADD COLUMN redeliveries integer NOT NULL DEFAULT 0;
