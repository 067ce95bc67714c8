-- Device identity (SPEC 3.4): each device proves itself with a credential the server keeps only as
-- a SHA-256 hash (the credential is 256 random bits, so a hash cannot be reversed by guessing).
-- A revoked device keeps its row (so its id and history stay known) with the credential cleared.
ALTER TABLE device ADD COLUMN credential_hash VARCHAR(64);
ALTER TABLE device ADD COLUMN revoked_at TIMESTAMPTZ;
ALTER TABLE device ADD COLUMN paired_at TIMESTAMPTZ;

-- Pairing codes: single use, scoped to the user, valid for a few minutes. A row is made by
-- pair.start (idempotent per starting frame), claimed once by a pending device, decided once.
CREATE TABLE pairing_code (
    user_id     VARCHAR(255) NOT NULL,
    code        VARCHAR(16)  NOT NULL,
    started_by  VARCHAR(64)  NOT NULL,
    start_id    VARCHAR(64)  NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ  NOT NULL,
    claim_id    VARCHAR(64),
    claimed_by  VARCHAR(64),
    claimed_at  TIMESTAMPTZ,
    decided_at  TIMESTAMPTZ,
    approved    BOOLEAN,
    PRIMARY KEY (user_id, code),
    CONSTRAINT pairing_code_start UNIQUE (user_id, started_by, start_id),
    CONSTRAINT pairing_code_claim UNIQUE (claim_id)
);
CREATE INDEX pairing_code_expiry ON pairing_code (expires_at);

-- Wrong pairing claims, counted per user in a sliding window to rate-limit guessing.
CREATE TABLE pairing_failure (
    user_id   VARCHAR(255) NOT NULL,
    failed_at TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX pairing_failure_user ON pairing_failure (user_id, failed_at);
