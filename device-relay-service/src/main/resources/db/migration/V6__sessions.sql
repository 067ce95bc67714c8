-- Work sessions (SPEC 3.5): one row per session, locked for every change; the version grows by one
-- per change (patch, handoff, failover, close), and each change is logged in session_change.
CREATE TABLE relay.work_session (
    session_id         text        PRIMARY KEY,
    user_id            text        NOT NULL,
    name               text,
    owner_device       text        NOT NULL,
    status             text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    version            bigint      NOT NULL,
    document           text        NOT NULL,
    requires           text[]      NOT NULL DEFAULT '{}',
    failover           boolean     NOT NULL,
    grace_sec          integer     NOT NULL,
    -- the devices that follow the session (owner included): each gets every change in its inbox
    members            text[]      NOT NULL,
    -- a pending handoff: offered to handoff_to, answered by handoff_expires_at or it lapses
    handoff_id         text,
    handoff_to         text,
    handoff_expires_at timestamptz,
    -- the owner's last connection closed at owner_gone_at; failover is tried at failover_at
    owner_gone_at      timestamptz,
    failover_at        timestamptz,
    opened_by          text        NOT NULL,
    open_frame_id      text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, opened_by, open_frame_id)
);

CREATE INDEX work_session_of_user ON relay.work_session (user_id, created_at DESC);
CREATE INDEX work_session_of_owner ON relay.work_session (user_id, owner_device) WHERE status = 'open';
CREATE INDEX work_session_failover_due ON relay.work_session (failover_at) WHERE failover_at IS NOT NULL;
CREATE INDEX work_session_handoff_due ON relay.work_session (handoff_expires_at) WHERE handoff_expires_at IS NOT NULL;

-- The log of changes: makes a resent state.patch a no-op (device and frame id), and is the outbox of
-- rccs.session.events (published = false until the broker has it).
CREATE TABLE relay.session_change (
    session_id     text        NOT NULL REFERENCES relay.work_session ON DELETE CASCADE,
    version        bigint      NOT NULL,
    kind           text        NOT NULL,
    device_id      text,
    frame_id       text,
    event          text        NOT NULL,
    published      boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (session_id, version)
);

CREATE UNIQUE INDEX session_change_by_frame ON relay.session_change (session_id, device_id, frame_id)
    WHERE frame_id IS NOT NULL;
CREATE INDEX session_change_unpublished ON relay.session_change (created_at) WHERE NOT published;
