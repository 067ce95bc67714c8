-- A revoked device (io.rccs.device.revoked.v1). While set, no later event but a new registration of
-- the same id (io.rccs.device.registered.v1) makes the device trusted again: an online event the
-- relay published from a device read before the revoke cannot undo it.
ALTER TABLE known_device ADD COLUMN revoked_at TIMESTAMPTZ;
