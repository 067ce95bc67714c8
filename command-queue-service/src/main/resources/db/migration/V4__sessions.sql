-- Work sessions (SPEC 3.5) as this service learns them from rccs.session.events (its own projection:
-- it never reads the relay's tables): who owns each session now, so that a command naming a session
-- goes to its owner and follows it through handoff and failover. Only an event of a higher version
-- than the stored one is applied (events are at least once, and rarely arrive out of order).
CREATE TABLE work_session (
    session_id   VARCHAR(64)  PRIMARY KEY,
    user_id      VARCHAR(255) NOT NULL,
    owner_device VARCHAR(64)  NOT NULL,
    version      BIGINT       NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    updated_at   TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- the session a command was submitted for: target_device is then its owner (null until the queue hears
-- of the session); never changes
ALTER TABLE command ADD COLUMN session_id VARCHAR(64);
-- an owner change or a close: the session's open commands, in delivery order
CREATE INDEX command_of_session ON command (session_id, priority DESC, created_at, command_id)
    WHERE session_id IS NOT NULL AND status IN ('QUEUED', 'DISPATCHED');
