-- The per-device message inbox (SPEC 3.2). Every message gets, per target device, the next
-- sequence number of that device's cursor; entries stay for the retention (age or count) whether
-- acknowledged or not, so a resend of the same frame id finds its entry and a resume can replay
-- entries the device has already acknowledged.
CREATE TABLE inbox_cursor (
    user_id     VARCHAR(255) NOT NULL,
    device_id   VARCHAR(64)  NOT NULL,
    last_seq    BIGINT       NOT NULL DEFAULT 0,  -- the highest seq given out
    acked_seq   BIGINT       NOT NULL DEFAULT 0,  -- the highest seq the device acknowledged
    trimmed_seq BIGINT       NOT NULL DEFAULT 0,  -- the highest seq removed by retention
    sent_at     TIMESTAMPTZ,                      -- last send of unacknowledged entries; NULL: wait for the device to connect
    PRIMARY KEY (user_id, device_id)
);

-- the redelivery sweep looks only at devices with something unacknowledged that was sent a while ago
CREATE INDEX inbox_cursor_unacked ON inbox_cursor (sent_at) WHERE acked_seq < last_seq AND sent_at IS NOT NULL;

CREATE TABLE inbox_entry (
    user_id       VARCHAR(255) NOT NULL,
    device_id     VARCHAR(64)  NOT NULL,
    seq           BIGINT       NOT NULL,
    sender_device VARCHAR(64)  NOT NULL,
    frame_id      VARCHAR(64)  NOT NULL,
    frame         TEXT         NOT NULL,          -- the frame as delivered (JSON, with from and seq)
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, device_id, seq),
    -- the sender's frame id is the idempotency key of a message, per target device
    CONSTRAINT inbox_entry_once UNIQUE (user_id, device_id, sender_device, frame_id)
);

CREATE INDEX inbox_entry_age ON inbox_entry (created_at);
