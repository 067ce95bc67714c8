-- Wrong pairing claims are limited per claiming device (and, higher, per user), so one pending
-- device cannot keep every claim of its user refused.
ALTER TABLE pairing_failure ADD COLUMN device_id VARCHAR(64);
CREATE INDEX pairing_failure_device ON pairing_failure (user_id, device_id, failed_at);
CREATE INDEX pairing_failure_age ON pairing_failure (failed_at);
