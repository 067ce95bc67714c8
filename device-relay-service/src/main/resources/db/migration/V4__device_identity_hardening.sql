-- A pairing approves the device that claimed, not whoever holds its id by the time of the decision:
-- the claimer's credential hash is kept with the claim and must still be the device's.
ALTER TABLE pairing_code ADD COLUMN claimed_hash VARCHAR(64);

-- The connection the relay last welcomed for the device: a revoke closes it even when the gateway
-- has not written its presence yet (the welcome was still on its way).
ALTER TABLE device ADD COLUMN last_connection_id VARCHAR(64);
ALTER TABLE device ADD COLUMN last_gateway INTEGER;
