-- Commands: one row per submitted command; the submit frame's id (per sender device) is the
-- idempotency key, so a resent submit finds its command instead of creating another.
CREATE TABLE command (
    command_id    UUID PRIMARY KEY,
    user_id       VARCHAR(255) NOT NULL,
    sender_device VARCHAR(64)  NOT NULL,
    submit_id     VARCHAR(64)  NOT NULL,
    target_device VARCHAR(64),
    name          VARCHAR(128) NOT NULL,
    args          TEXT,
    priority      SMALLINT     NOT NULL,
    requires      TEXT[]       NOT NULL DEFAULT '{}',
    status        VARCHAR(16)  NOT NULL,
    attempt       INT          NOT NULL DEFAULT 0,
    max_attempts  INT          NOT NULL,
    not_before    TIMESTAMPTZ,
    expires_at    TIMESTAMPTZ  NOT NULL,
    result        TEXT,
    last_error    TEXT,
    version       BIGINT       NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT command_idempotency UNIQUE (user_id, sender_device, submit_id)
);
-- what a device that comes online must get: its open commands, highest priority first, FIFO within one
CREATE INDEX command_open ON command (user_id, status, priority DESC, created_at)
    WHERE status IN ('QUEUED', 'DISPATCHED');

-- The devices this service has heard of on rccs.device.events (its own projection: it never reads
-- the relay's tables).
CREATE TABLE known_device (
    device_key   VARCHAR(320) PRIMARY KEY, -- user_id/device_id, the Kafka key of the device's events
    user_id      VARCHAR(255) NOT NULL,
    device_id    VARCHAR(64)  NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    capabilities TEXT[]       NOT NULL DEFAULT '{}',
    trusted      BOOLEAN      NOT NULL,
    last_online  TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX known_device_user ON known_device (user_id);

-- Transactional outbox: frames and events written in the same transaction as the state change
-- they announce, published after commit, deleted once the broker has them.
CREATE TABLE outbox (
    id         BIGSERIAL PRIMARY KEY,
    kind       VARCHAR(16)  NOT NULL,
    user_id    VARCHAR(255) NOT NULL,
    target     VARCHAR(255) NOT NULL,
    payload    TEXT         NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL DEFAULT now()
);
