-- The device registry: every device a user has connected, keyed by the OIDC subject and the
-- device id the device chose (device ids are unique only within their user).
CREATE TABLE device (
    id           BIGSERIAL PRIMARY KEY,
    user_id      VARCHAR(255) NOT NULL,
    device_id    VARCHAR(64)  NOT NULL,
    name         VARCHAR(128) NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    platform     VARCHAR(64),
    app_version  VARCHAR(64),
    capabilities TEXT[]       NOT NULL DEFAULT '{}',
    trusted      BOOLEAN      NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    last_seen    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT device_user_device UNIQUE (user_id, device_id)
);
