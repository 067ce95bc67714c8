-- The outbox is written and emptied all the time: a handful of live rows and a stream of dead ones.
-- PostgreSQL's default autovacuum trigger is a share of the table's estimated rows (20 % of "empty"
-- plus 50), checked against statistics that lag behind; after bursts the file was seen at 45 MB
-- holding 2 rows (docs/benchmarks.md, commands), and every scan of it reads the dead rows. Vacuum
-- and analyze it after a fixed number of changes instead, without the cost-based pauses: a vacuum
-- of a small hot table is short, and a slow one lets the dead rows pile up again.
ALTER TABLE outbox SET (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 2000,
    autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 2000,
    autovacuum_vacuum_cost_delay = 0);
