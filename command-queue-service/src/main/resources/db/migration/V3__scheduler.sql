-- The scheduler works from the database (as pg-boss, Oban, River and db-scheduler do): every open
-- command says when it must next be looked at, and replicas claim due rows with FOR UPDATE SKIP LOCKED.
-- defaults where a replica of the version before still inserts during a rolling upgrade
ALTER TABLE command ADD COLUMN ttl_sec BIGINT NOT NULL DEFAULT 86400;
UPDATE command SET ttl_sec = GREATEST(1, EXTRACT(EPOCH FROM (expires_at - created_at))::bigint);
-- submitted without "to": any trusted online device with the capabilities may run it; target_device is
-- the one it was last dispatched to
ALTER TABLE command ADD COLUMN auto_target BOOLEAN NOT NULL DEFAULT false;
UPDATE command SET auto_target = true WHERE target_device IS NULL;
-- QUEUED: when to try to dispatch (not_before, the retry backoff; the expiry while its device is away);
-- DISPATCHED: the ack deadline (or the expiry, if sooner); null for every other status
ALTER TABLE command ADD COLUMN next_attempt_at TIMESTAMPTZ;
UPDATE command SET next_attempt_at = LEAST(expires_at, GREATEST(now(), COALESCE(not_before, now())))
 WHERE status IN ('QUEUED', 'DISPATCHED');
-- set once it was sent to a device: from then on it may run there, so it can no longer be cancelled
ALTER TABLE command ADD COLUMN dispatched_at TIMESTAMPTZ;
UPDATE command SET dispatched_at = updated_at WHERE status NOT IN ('QUEUED', 'CANCELLED', 'EXPIRED') OR attempt > 0;
-- when it became a dead letter (EXPIRED, DEAD); cleared by a requeue
ALTER TABLE command ADD COLUMN dead_at TIMESTAMPTZ;
UPDATE command SET dead_at = updated_at WHERE status IN ('EXPIRED', 'DEAD');

DROP INDEX command_open;
CREATE INDEX command_due ON command (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
-- a device coming online: what is queued or dispatched for it, in delivery order
CREATE INDEX command_for_device ON command (user_id, target_device, priority DESC, created_at)
    WHERE status IN ('QUEUED', 'DISPATCHED');
-- a capable device coming online: what any of the user's devices may take
CREATE INDEX command_any_device ON command (user_id, priority DESC, created_at)
    WHERE status = 'QUEUED' AND auto_target;
CREATE INDEX command_dead_letters ON command (dead_at DESC, command_id) WHERE dead_at IS NOT NULL;
CREATE INDEX command_of_user ON command (user_id, created_at DESC, command_id);

-- known_device learns presence from the online/offline events: the scheduler reads it, not Redis.
-- Devices online before this version are taken as online if seen within the day: a wrong guess costs
-- nothing, since an ack timeout checks presence before it counts an attempt.
ALTER TABLE known_device ADD COLUMN online BOOLEAN NOT NULL DEFAULT false;
UPDATE known_device SET online = true WHERE trusted AND revoked_at IS NULL AND last_online > now() - interval '1 day';
-- the connection its online event named: the same event handled twice is told from a reconnect
ALTER TABLE known_device ADD COLUMN connection_id VARCHAR(64);

-- outbox entries of one command are published in id order; the command's row lock makes that commit order
ALTER TABLE outbox ADD COLUMN command_id UUID;
-- the time of the insert, not of the transaction's start: the sweep takes an id prefix older than the grace
ALTER TABLE outbox ALTER COLUMN created_at SET DEFAULT clock_timestamp();
CREATE INDEX outbox_command ON outbox (command_id);

-- leases: one replica at a time sweeps the outbox (it publishes in order what no replica published at once)
CREATE TABLE lease (
    name       VARCHAR(64)  PRIMARY KEY,
    owner      VARCHAR(128) NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL
);
