package io.rccs.queue.session;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.model.events.SessionEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * This service's view of the work sessions (SPEC 3.5), built from rccs.session.events: each session's
 * user, owner device, status and the version of the last event applied. An event is applied only if
 * its version is higher than the stored one, so a duplicate, or an older event arriving after a newer
 * one, changes nothing.
 * <p>
 * Locking. A submit naming a session the queue has not heard of yet stores its command while there is
 * no session row to lock, and the session's first event must still find that command. So the two
 * meet on a transaction-scoped advisory lock keyed by the session id: an event takes it exclusively
 * before it reads the session, a submit (and an operator's requeue) takes it shared. Transactions that
 * only move commands they have locked already (the scheduler, an offline event) read the session
 * without it: the event locks the session's QUEUED and DISPATCHED commands, so it waits for them and
 * then sees what they wrote. The event takes no device row, so "device rows before command rows"
 * still holds everywhere. A requeue takes the lock after its dead letters, which an event does not
 * wait for (it locks open commands only); only a command that died in the instant between the event's
 * snapshot and the requeue's lock could make them wait for each other, which PostgreSQL ends as a
 * deadlock: the event is retried by its consumer, a requeue by the operator.
 */
@ApplicationScoped
public class SessionDirectory {

    /** The advisory lock space of sessions ("sess"): the lock's key is (this, hash of the session id). */
    static final int LOCK_SPACE = 0x73657373;

    private static final String LOCK_EXCLUSIVE = "SELECT pg_advisory_xact_lock(" + LOCK_SPACE + ", hashtext($1))";
    private static final String LOCK_SHARED = "SELECT pg_advisory_xact_lock_shared(" + LOCK_SPACE + ", hashtext($1))";
    private static final String LOCK_SHARED_ALL = "SELECT count(pg_advisory_xact_lock_shared(" + LOCK_SPACE
            + ", hashtext(id))) FROM unnest($1::text[]) AS id";
    private static final String FIND = "SELECT " + WorkSession.COLUMNS + " FROM queue.work_session WHERE session_id = $1";
    private static final String FIND_ALL = "SELECT " + WorkSession.COLUMNS
            + " FROM queue.work_session WHERE session_id = ANY($1::text[])";
    private static final String INSERT = "INSERT INTO queue.work_session (" + WorkSession.COLUMNS + ") VALUES ($1, $2, $3, $4, $5)";
    private static final String UPDATE = """
            UPDATE queue.work_session SET owner_device = $2, version = $3, status = $4, updated_at = now()
             WHERE session_id = $1""";

    /** The session (null if not heard of yet), its lock held exclusively until the transaction ends: for its events. */
    public Uni<WorkSession> lockForEvent(SqlConnection connection, String sessionId) {
        return connection.preparedQuery(LOCK_EXCLUSIVE).execute(Tuple.of(sessionId)).chain(() -> find(connection, sessionId));
    }

    /** The session (null if not heard of yet), its lock held shared until the transaction ends: for a submit naming it. */
    public Uni<WorkSession> lockForSubmit(SqlConnection connection, String sessionId) {
        return connection.preparedQuery(LOCK_SHARED).execute(Tuple.of(sessionId)).chain(() -> find(connection, sessionId));
    }

    /** Several sessions by id, their locks held shared (an operator's requeue puts their commands back in the queue). */
    public Uni<Map<String, WorkSession>> lockAllShared(SqlConnection connection, Collection<String> sessionIds) {
        if (sessionIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return connection.preparedQuery(LOCK_SHARED_ALL).execute(Tuple.of(sessionIds.toArray(String[]::new)))
                .chain(() -> findAll(connection, sessionIds));
    }

    /** Several sessions by id, not locked (see the class comment for why that is enough where it is used). */
    public Uni<Map<String, WorkSession>> findAll(SqlConnection connection, Collection<String> sessionIds) {
        if (sessionIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return connection.preparedQuery(FIND_ALL).execute(Tuple.of(sessionIds.toArray(String[]::new))).map(rows -> {
            Map<String, WorkSession> byId = new HashMap<>();
            for (Row row : rows) {
                WorkSession session = WorkSession.from(row);
                byId.put(session.sessionId(), session);
            }
            return byId;
        });
    }

    private static Uni<WorkSession> find(SqlConnection connection, String sessionId) {
        return connection.preparedQuery(FIND).execute(Tuple.of(sessionId)).map(SessionDirectory::first);
    }

    /** Stores the session as an event left it ({@code before}: as it was, null if new). */
    public Uni<Void> save(SqlConnection connection, WorkSession before, WorkSession after) {
        Tuple row = before == null
                ? Tuple.of(after.sessionId(), after.userId(), after.ownerDevice(), after.version(), after.status())
                : Tuple.of(after.sessionId(), after.ownerDevice(), after.version(), after.status());
        return connection.preparedQuery(before == null ? INSERT : UPDATE).execute(row).replaceWithVoid();
    }

    /**
     * The session after the event, or null when the event is not newer than what is stored (a
     * duplicate, or an older one that arrived late). The user is the one of the first event heard.
     */
    public static WorkSession apply(WorkSession before, SessionEvent event) {
        if (before != null && event.version() <= before.version()) {
            return null;
        }
        return new WorkSession(event.sessionId(), before == null ? event.userId() : before.userId(), event.owner(),
                event.version(), event.status());
    }

    private static WorkSession first(RowSet<Row> rows) {
        return rows.size() == 0 ? null : WorkSession.from(rows.iterator().next());
    }
}
