-- The last handoff that ended (accepted, rejected or lapsed), so that its request or reject handled
-- again (a resend, or a batch handled again after a crash) is recognised and changes nothing.
ALTER TABLE relay.work_session ADD COLUMN last_handoff_id text;
ALTER TABLE relay.work_session ADD COLUMN last_handoff_to text;

CREATE INDEX work_session_closed ON relay.work_session (updated_at) WHERE status = 'closed';
