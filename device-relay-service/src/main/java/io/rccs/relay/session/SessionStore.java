package io.rccs.relay.session;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL of work sessions (relay.work_session, relay.session_change). Changes run in one transaction
 * that starts by locking the session's row ({@link #lock}), so concurrent changes of one session
 * (several relay instances, the sweeps) follow each other and each sees the version the last left.
 */
@ApplicationScoped
public class SessionStore {

    private static final String COLUMNS = """
            session_id, user_id, name, owner_device, status, version, document, requires, failover, grace_sec,
            members, handoff_id, handoff_to, handoff_expires_at, created_at, updated_at, last_handoff_id, last_handoff_to""";
    /** As {@link #COLUMNS} without the document (a list would otherwise read up to 256 KiB per session). */
    private static final String LIST_COLUMNS = COLUMNS.replace("document", "'{}'::text AS document");

    /** A change already made: its version and the event that describes it. */
    public record Logged(long version, String event) {
    }

    /** A change whose event the broker may not have yet. */
    public record Unpublished(String sessionId, long version, String event) {
    }

    /** A session whose owner has been gone for its grace period, claimed for a failover attempt. */
    public record DueFailover(String sessionId, String userId, String owner, List<String> requires) {
    }

    /** A handoff nobody answered in time. */
    public record DueHandoff(String sessionId, String userId) {
    }

    private final Pool pool;

    public SessionStore(Pool pool) {
        this.pool = pool;
    }

    public <T> Uni<T> inTransaction(Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(work);
    }

    /** The user's session, its row locked until the transaction ends. */
    public Uni<Optional<WorkSession>> lock(SqlConnection connection, String userId, String sessionId) {
        return connection.preparedQuery("SELECT " + COLUMNS + " FROM relay.work_session WHERE session_id = $1 AND user_id = $2 FOR UPDATE")
                .execute(Tuple.of(sessionId, userId)).map(SessionStore::first);
    }

    /** The session, locked, if it is open, still owned by {@code owner}, and that owner is still gone. */
    public Uni<Optional<WorkSession>> lockIfOwnerGone(SqlConnection connection, String userId, String sessionId, String owner) {
        // the grace period passed since the owner went (not merely since an earlier absence), and the
        // registry saw no hello of it since: a hello still on its way to deviceBack keeps the session
        return connection.preparedQuery("SELECT " + COLUMNS + " FROM relay.work_session s"
                + " WHERE session_id = $1 AND user_id = $2 AND owner_device = $3 AND status = 'open' AND owner_gone_at IS NOT NULL"
                + " AND owner_gone_at + make_interval(secs => grace_sec) <= now()"
                + " AND NOT EXISTS (SELECT 1 FROM relay.device d WHERE d.user_id = s.user_id AND d.device_id = s.owner_device"
                + " AND d.revoked_at IS NULL AND d.last_seen > s.owner_gone_at) FOR UPDATE")
                .execute(Tuple.of(sessionId, userId, owner)).map(SessionStore::first);
    }

    public Uni<Optional<WorkSession>> find(String userId, String sessionId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM relay.work_session WHERE session_id = $1 AND user_id = $2")
                .execute(Tuple.of(sessionId, userId)).map(SessionStore::first);
    }

    /** The user's sessions, newest first, at most {@code limit}. */
    public Uni<List<WorkSession>> list(String userId, boolean includeClosed, int limit) {
        return pool.preparedQuery("SELECT " + LIST_COLUMNS + " FROM relay.work_session WHERE user_id = $1"
                + (includeClosed ? "" : " AND status = 'open'") + " ORDER BY created_at DESC, session_id LIMIT $2")
                .execute(Tuple.of(userId, limit)).map(SessionStore::all);
    }

    /** The session a device opened with this frame, if it did (a resent session.open). */
    public Uni<Optional<WorkSession>> openedBy(SqlConnection connection, String userId, String deviceId, String frameId) {
        return connection.preparedQuery("SELECT " + COLUMNS
                + " FROM relay.work_session WHERE user_id = $1 AND opened_by = $2 AND open_frame_id = $3")
                .execute(Tuple.of(userId, deviceId, frameId)).map(SessionStore::first);
    }

    /**
     * The user's open sessions, counted under a lock on the user's devices (every device row of the
     * user, in a fixed order), so that two concurrent opens cannot both pass the limit.
     */
    public Uni<Long> countOpenLocked(SqlConnection connection, String userId) {
        return connection.preparedQuery("SELECT 1 FROM relay.device WHERE user_id = $1 ORDER BY device_id FOR UPDATE")
                .execute(Tuple.of(userId))
                .chain(() -> connection.preparedQuery("SELECT count(*) FROM relay.work_session WHERE user_id = $1 AND status = 'open'")
                        .execute(Tuple.of(userId)))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** Empty when the device opened a session with this frame already (another instance, in a rebalance). */
    public Uni<Optional<WorkSession>> insert(SqlConnection connection, WorkSession session, String frameId) {
        return connection.preparedQuery("""
                INSERT INTO relay.work_session (session_id, user_id, name, owner_device, status, version, document, requires,
                  failover, grace_sec, members, opened_by, open_frame_id)
                VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $4, $11)
                ON CONFLICT (user_id, opened_by, open_frame_id) DO NOTHING
                RETURNING""" + " " + COLUMNS)
                .execute(Tuple.tuple().addString(session.sessionId()).addString(session.userId()).addString(session.name())
                        .addString(session.owner()).addLong(session.version()).addString(session.document())
                        .addArrayOfString(session.requires().toArray(String[]::new)).addBoolean(session.failover())
                        .addInteger(session.graceSec()).addArrayOfString(session.members().toArray(String[]::new))
                        .addString(frameId))
                .map(SessionStore::first);
    }

    /**
     * Writes what a change made of a locked session. An owner change ends any failover wait (the new
     * owner is online); {@code clearFailover} says so.
     */
    public Uni<WorkSession> update(SqlConnection connection, WorkSession session, boolean clearFailover) {
        return update(connection, session, clearFailover, false);
    }

    /**
     * As {@link #update(SqlConnection, WorkSession, boolean)}; the document (up to 256 KiB) is written
     * only when {@code documentChanged}, not rewritten by every offer, move or close.
     */
    public Uni<WorkSession> update(SqlConnection connection, WorkSession session, boolean clearFailover, boolean documentChanged) {
        return connection.preparedQuery("""
                UPDATE relay.work_session SET owner_device = $2, status = $3, version = $4, document = COALESCE($5, document),
                  members = $6,
                  handoff_id = $7, handoff_to = $8, handoff_expires_at = $9, updated_at = now(),
                  last_handoff_id = $11, last_handoff_to = $12,
                  owner_gone_at = CASE WHEN $10 THEN NULL ELSE owner_gone_at END,
                  failover_at = CASE WHEN $10 OR $3 = 'closed' THEN NULL ELSE failover_at END
                WHERE session_id = $1
                RETURNING""" + " " + LIST_COLUMNS)
                .execute(Tuple.tuple().addString(session.sessionId()).addString(session.owner()).addString(session.status())
                        .addLong(session.version()).addString(documentChanged ? session.document() : null)
                        .addArrayOfString(session.members().toArray(String[]::new)).addString(session.handoffId())
                        .addString(session.handoffTo()).addOffsetDateTime(utc(session.handoffExpiresAt()))
                        .addBoolean(clearFailover).addString(session.lastHandoffId()).addString(session.lastHandoffTo()))
                // the document is not sent back (up to 256 KiB): it is the one the caller holds
                .map(rows -> first(rows).orElseThrow().withDocument(session.document()));
    }

    public Uni<Void> logChange(SqlConnection connection, String sessionId, long version, String kind, String deviceId,
            String frameId, String event) {
        return connection.preparedQuery("""
                INSERT INTO relay.session_change (session_id, version, kind, device_id, frame_id, event)
                VALUES ($1, $2, $3, $4, $5, $6)""")
                .execute(Tuple.tuple().addString(sessionId).addLong(version).addString(kind).addString(deviceId)
                        .addString(frameId).addString(event))
                .replaceWithVoid();
    }

    /** The change a device's frame made of the session, if it made one (a resent state.patch). */
    public Uni<Optional<Logged>> changeOf(SqlConnection connection, String sessionId, String deviceId, String frameId) {
        return connection.preparedQuery("""
                SELECT version, event FROM relay.session_change WHERE session_id = $1 AND device_id = $2 AND frame_id = $3""")
                .execute(Tuple.of(sessionId, deviceId, frameId))
                .map(rows -> rows.rowCount() == 0 ? Optional.<Logged>empty()
                        : Optional.of(new Logged(rows.iterator().next().getLong(0), rows.iterator().next().getString(1))));
    }

    public Uni<Void> markPublished(String sessionId, long version) {
        return pool.preparedQuery("UPDATE relay.session_change SET published = true WHERE session_id = $1 AND version = $2")
                .execute(Tuple.of(sessionId, version)).replaceWithVoid();
    }

    /** Changes not marked published for longer than {@code grace}, oldest first per session. */
    public Uni<List<Unpublished>> unpublished(Duration grace, int limit) {
        return pool.preparedQuery("""
                SELECT session_id, version, event FROM relay.session_change
                 WHERE NOT published AND created_at < clock_timestamp() - make_interval(secs => $1)
                 ORDER BY session_id, version LIMIT $2""")
                .execute(Tuple.of(grace.toMillis() / 1000.0, limit))
                .map(rows -> {
                    List<Unpublished> found = new ArrayList<>();
                    rows.forEach(row -> found.add(new Unpublished(row.getString(0), row.getLong(1), row.getString(2))));
                    return found;
                });
    }

    /** Removes logged changes older than {@code age} (the resend window of state.patch). */
    public Uni<Integer> trimChanges(Duration age, int limit) {
        return pool.preparedQuery("""
                DELETE FROM relay.session_change WHERE ctid = ANY (ARRAY(
                  SELECT ctid FROM relay.session_change
                   WHERE published AND created_at < clock_timestamp() - make_interval(secs => $1) LIMIT $2))""")
                .execute(Tuple.of((double) age.toSeconds(), limit)).map(RowSet::rowCount);
    }

    /**
     * The owner's last connection closed: its open sessions that allow failover are due for one
     * after their grace period. A session already waiting keeps its earlier time.
     */
    public Uni<Integer> ownerGone(String userId, String deviceId) {
        return pool.preparedQuery("""
                UPDATE relay.work_session SET owner_gone_at = COALESCE(owner_gone_at, gone.at),
                  failover_at = CASE WHEN failover THEN COALESCE(failover_at, gone.at + make_interval(secs => grace_sec)) END
                  FROM (SELECT GREATEST(now(), (SELECT max(last_seen) FROM relay.device WHERE user_id = $1 AND device_id = $2)) AS at) gone
                 WHERE user_id = $1 AND owner_device = $2 AND status = 'open'""")
                .execute(Tuple.of(userId, deviceId)).map(RowSet::rowCount);
    }

    /**
     * The device was revoked: it can never come back, so the sessions it owns are due for a move at
     * once, whether or not they allow failover.
     */
    public Uni<Integer> ownerRevoked(String userId, String deviceId) {
        return pool.preparedQuery("""
                UPDATE relay.work_session SET owner_gone_at = now() - make_interval(secs => grace_sec), failover_at = now()
                 WHERE user_id = $1 AND owner_device = $2 AND status = 'open'""")
                .execute(Tuple.of(userId, deviceId)).map(RowSet::rowCount);
    }

    /** Removes closed sessions (and their change logs) untouched for longer than {@code age}. */
    public Uni<Integer> purgeClosed(Duration age, int limit) {
        return pool.preparedQuery("""
                DELETE FROM relay.work_session WHERE session_id = ANY (ARRAY(
                  SELECT session_id FROM relay.work_session
                   WHERE status = 'closed' AND updated_at < now() - make_interval(secs => $1) LIMIT $2))""")
                .execute(Tuple.of((double) age.toSeconds(), limit)).map(RowSet::rowCount);
    }

    /**
     * A device of the user is back: if it owns sessions, nothing moves (their failover is off); and the
     * sessions of the user still waiting past their grace period for a capable device are due now.
     */
    public Uni<Integer> deviceBack(String userId, String deviceId) {
        return pool.preparedQuery("""
                UPDATE relay.work_session SET
                  owner_gone_at = CASE WHEN owner_device = $2 THEN NULL ELSE owner_gone_at END,
                  failover_at = CASE WHEN owner_device = $2 THEN NULL ELSE now() END
                 WHERE user_id = $1 AND status = 'open'
                   AND (owner_device = $2 AND owner_gone_at IS NOT NULL
                        OR owner_device <> $2 AND failover_at > now()
                           AND owner_gone_at + make_interval(secs => grace_sec) <= now())""")
                .execute(Tuple.of(userId, deviceId)).map(RowSet::rowCount);
    }

    /**
     * Claims sessions due for a failover: each is put off by {@code recheck}, so that one instance
     * tries it and, if no capable device is online, it is tried again after that time.
     */
    public Uni<List<DueFailover>> claimFailovers(Duration recheck, int limit) {
        return pool.withTransaction(connection -> connection.preparedQuery("""
                UPDATE relay.work_session s SET failover_at = now() + make_interval(secs => $1)
                  FROM (SELECT session_id FROM relay.work_session
                         WHERE failover_at <= now() AND status = 'open'
                         ORDER BY failover_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
                 WHERE s.session_id = due.session_id
                RETURNING s.session_id, s.user_id, s.owner_device, s.requires""")
                .execute(Tuple.of(recheck.toMillis() / 1000.0, limit)).map(rows -> {
                    List<DueFailover> due = new ArrayList<>();
                    rows.forEach(row -> due.add(new DueFailover(row.getString(0), row.getString(1), row.getString(2),
                            Arrays.asList(row.getArrayOfStrings(3)))));
                    return due;
                }));
    }

    /** Handoffs whose offer lapsed; each is locked and checked again before it is withdrawn (by one instance). */
    public Uni<List<DueHandoff>> dueHandoffs(int limit) {
        return pool.preparedQuery("""
                SELECT session_id, user_id FROM relay.work_session
                 WHERE handoff_expires_at <= now() ORDER BY handoff_expires_at LIMIT $1""")
                .execute(Tuple.of(limit)).map(rows -> {
                    List<DueHandoff> due = new ArrayList<>();
                    rows.forEach(row -> due.add(new DueHandoff(row.getString(0), row.getString(1))));
                    return due;
                });
    }

    private static Optional<WorkSession> first(RowSet<Row> rows) {
        return rows.rowCount() == 0 ? Optional.empty() : Optional.of(of(rows.iterator().next()));
    }

    private static List<WorkSession> all(RowSet<Row> rows) {
        List<WorkSession> sessions = new ArrayList<>(rows.rowCount());
        rows.forEach(row -> sessions.add(of(row)));
        return sessions;
    }

    private static WorkSession of(Row row) {
        return new WorkSession(row.getString("session_id"), row.getString("user_id"), row.getString("name"),
                row.getString("owner_device"), row.getString("status"), row.getLong("version"), row.getString("document"),
                List.of(row.getArrayOfStrings("requires")), row.getBoolean("failover"), row.getInteger("grace_sec"),
                List.of(row.getArrayOfStrings("members")), row.getString("handoff_id"), row.getString("handoff_to"),
                instant(row.getOffsetDateTime("handoff_expires_at")), instant(row.getOffsetDateTime("created_at")),
                instant(row.getOffsetDateTime("updated_at")), row.getString("last_handoff_id"), row.getString("last_handoff_to"));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
