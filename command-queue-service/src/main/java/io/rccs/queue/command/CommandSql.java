package io.rccs.queue.command;

import static io.rccs.queue.command.Command.time;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The statements on {@code queue.command}, set-based where a transaction touches many rows (a flush
 * of a thousand commands is one SELECT ... FOR UPDATE and one UPDATE). Rows that lock several commands
 * lock them in delivery order (priority, then FIFO), the order every such statement uses.
 */
final class CommandSql {

    private static final String COLUMNS = Command.COLUMNS;
    static final String DELIVERY_ORDER = " ORDER BY priority DESC, created_at, command_id";

    private static final String INSERT = "INSERT INTO queue.command (" + COLUMNS + ") VALUES "
            + "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)"
            + " ON CONFLICT (user_id, sender_device, submit_id) DO NOTHING";

    private static final String UPDATE = """
            UPDATE queue.command c SET target_device = k.target, status = k.status, attempt = k.attempt,
                   expires_at = k.expires_at, next_attempt_at = k.next_attempt_at, dispatched_at = k.dispatched_at,
                   dead_at = k.dead_at, result = k.result, last_error = k.last_error, version = k.version,
                   updated_at = k.updated_at
              FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[],
                          $7::timestamptz[], $8::timestamptz[], $9::text[], $10::text[], $11::bigint[],
                          $12::timestamptz[], $13::bigint[])
                AS k(id, target, status, attempt, expires_at, next_attempt_at, dispatched_at, dead_at, result,
                     last_error, version, updated_at, loaded)
             WHERE c.command_id = k.id AND c.version = k.loaded""";

    private static final String BY_SUBMIT = "SELECT " + COLUMNS
            + " FROM queue.command WHERE user_id = $1 AND sender_device = $2 AND submit_id = $3";
    private static final String LOCK_OWNED = "SELECT " + COLUMNS
            + " FROM queue.command WHERE user_id = $1 AND command_id = $2 FOR UPDATE";
    private static final String LOCK_ANY = "SELECT " + COLUMNS + " FROM queue.command WHERE command_id = $1 FOR UPDATE";
    // what a device coming online may get: queued or dispatched for it, and what any capable device may take
    // a long queue goes in several transactions: $4..$6 are where the one before stopped
    private static final String LOCK_FOR_DEVICE = "SELECT " + COLUMNS + " FROM queue.command WHERE user_id = $1"
            + " AND ((target_device = $2 AND status IN ('QUEUED', 'DISPATCHED')) OR (auto_target AND status = 'QUEUED'))"
            + " AND ($4::int IS NULL OR (-priority::int, created_at, command_id) > (-$4::int, $5, $6))"
            + DELIVERY_ORDER + " LIMIT $3 FOR UPDATE";
    private static final String FIND_OWNED = "SELECT " + COLUMNS + " FROM queue.command WHERE user_id = $1 AND command_id = $2";
    private static final String DEAD_LETTER = "SELECT " + COLUMNS + " FROM queue.command WHERE command_id = $1 AND dead_at IS NOT NULL";
    private static final String LOCK_DISPATCHED_TO = "SELECT " + COLUMNS + " FROM queue.command"
            + " WHERE user_id = $1 AND target_device = $2 AND status = 'DISPATCHED'" + DELIVERY_ORDER + " FOR UPDATE";
    // a session's QUEUED commands are the session's, not the device's: they wait for its next owner
    private static final String LOCK_UNFINISHED_FOR = "SELECT " + COLUMNS + " FROM queue.command"
            + " WHERE user_id = $1 AND target_device = $2 AND status IN ('QUEUED', 'DISPATCHED', 'DELIVERED')"
            + " AND NOT (status = 'QUEUED' AND session_id IS NOT NULL)" + DELIVERY_ORDER + " FOR UPDATE";
    // a session event: the session's open commands (the DISPATCHED too, so that a transaction putting one back in
    // the queue with the owner it read is waited for, and what it wrote is seen)
    private static final String LOCK_OPEN_OF_SESSION = "SELECT " + COLUMNS + " FROM queue.command"
            + " WHERE session_id = $1 AND status IN ('QUEUED', 'DISPATCHED')" + DELIVERY_ORDER + " FOR UPDATE";
    // a session's new owner is online: what is queued for it there, in batches like a flush
    private static final String LOCK_QUEUED_OF_SESSION = "SELECT " + COLUMNS + " FROM queue.command"
            + " WHERE session_id = $1 AND target_device = $2 AND user_id = $7 AND status = 'QUEUED'"
            + " AND ($4::int IS NULL OR (-priority::int, created_at, command_id) > (-$4::int, $5, $6))"
            + DELIVERY_ORDER + " LIMIT $3 FOR UPDATE";
    // the scheduler: due rows no other replica holds; a replica never waits for another's rows
    private static final String CLAIM_DUE = "SELECT " + COLUMNS + ", now() FROM queue.command"
            + " WHERE next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED";
    private static final String NOW = "SELECT now()";
    private static final String OF_USER = "SELECT " + COLUMNS + " FROM queue.command WHERE user_id = $1"
            + " AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR target_device = $3 OR sender_device = $3)"
            + " AND ($4::timestamptz IS NULL OR (created_at, command_id) < ($4, $5))"
            + " ORDER BY created_at DESC, command_id DESC LIMIT $6";
    private static final String DEAD_LETTERS = "SELECT " + COLUMNS + " FROM queue.command WHERE dead_at IS NOT NULL"
            + " AND ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR target_device = $2 OR sender_device = $2)"
            + " AND ($3::text IS NULL OR status = $3) AND ($4::float8 IS NULL OR dead_at <= now() - make_interval(secs => $4))"
            + " AND ($5::timestamptz IS NULL OR (dead_at, command_id) < ($5, $6))"
            + " ORDER BY dead_at DESC, command_id DESC LIMIT $7";
    private static final String DELETE = "DELETE FROM queue.command WHERE command_id = ANY($1::uuid[])";

    private CommandSql() {
    }

    /** Inserts the new command; false when the same submit is stored already (a concurrent duplicate). */
    static Uni<Boolean> insert(SqlConnection connection, Command c) {
        Tuple row = Tuple.tuple().addUUID(c.commandId).addString(c.userId).addString(c.senderDevice).addString(c.submitId)
                .addString(c.targetDevice).addBoolean(c.autoTarget).addString(c.name).addString(c.args).addShort(c.priority)
                .addArrayOfString(c.requires.toArray(String[]::new)).addString(c.status.name()).addInteger(c.attempt)
                .addInteger(c.maxAttempts).addOffsetDateTime(time(c.notBefore)).addOffsetDateTime(time(c.expiresAt))
                .addLong(c.ttlSec).addOffsetDateTime(time(c.nextAttemptAt)).addOffsetDateTime(time(c.dispatchedAt))
                .addOffsetDateTime(time(c.deadAt)).addString(c.result).addString(c.lastError).addLong(c.version)
                .addOffsetDateTime(time(c.createdAt)).addOffsetDateTime(time(c.updatedAt)).addString(c.sessionId);
        return connection.preparedQuery(INSERT).execute(row).map(rows -> {
            c.loadedVersion = c.version;
            return rows.rowCount() == 1;
        });
    }

    /**
     * Writes back the changed commands in one statement, each only if its row still has the version
     * it was loaded with (the rows are locked, so anything else is a bug, and fails the transaction).
     */
    static Uni<Void> update(SqlConnection connection, List<Command> changed) {
        if (changed.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = changed.size();
        UUID[] ids = new UUID[n];
        String[] targets = new String[n], statuses = new String[n], results = new String[n], errors = new String[n];
        Integer[] attempts = new Integer[n];
        OffsetDateTime[] expires = new OffsetDateTime[n], next = new OffsetDateTime[n], dispatched = new OffsetDateTime[n],
                dead = new OffsetDateTime[n], updated = new OffsetDateTime[n];
        Long[] versions = new Long[n], loaded = new Long[n];
        for (int i = 0; i < n; i++) {
            Command c = changed.get(i);
            ids[i] = c.commandId;
            targets[i] = c.targetDevice;
            statuses[i] = c.status.name();
            attempts[i] = c.attempt;
            expires[i] = time(c.expiresAt);
            next[i] = time(c.nextAttemptAt);
            dispatched[i] = time(c.dispatchedAt);
            dead[i] = time(c.deadAt);
            results[i] = c.result;
            errors[i] = c.lastError;
            versions[i] = c.version;
            updated[i] = time(c.updatedAt);
            loaded[i] = c.loadedVersion;
        }
        Tuple arrays = Tuple.tuple().addArrayOfUUID(ids).addArrayOfString(targets).addArrayOfString(statuses)
                .addArrayOfInteger(attempts).addArrayOfOffsetDateTime(expires).addArrayOfOffsetDateTime(next)
                .addArrayOfOffsetDateTime(dispatched).addArrayOfOffsetDateTime(dead).addArrayOfString(results)
                .addArrayOfString(errors).addArrayOfLong(versions).addArrayOfOffsetDateTime(updated).addArrayOfLong(loaded);
        return connection.preparedQuery(UPDATE).execute(arrays).map(rows -> {
            if (rows.rowCount() != n) {
                throw new IllegalStateException((n - rows.rowCount()) + " of " + n + " commands changed under their lock");
            }
            changed.forEach(c -> c.loadedVersion = c.version);
            return null;
        });
    }

    static Uni<Command> bySubmit(SqlConnection connection, String userId, String sender, String submitId) {
        return connection.preparedQuery(BY_SUBMIT).execute(Tuple.of(userId, sender, submitId)).map(CommandSql::first);
    }

    /** The user's command, locked; null if the user has none with this id. */
    static Uni<Command> lockOwned(SqlConnection connection, String userId, UUID commandId) {
        return connection.preparedQuery(LOCK_OWNED).execute(Tuple.of(userId, commandId)).map(CommandSql::first);
    }

    /** Any user's command, locked (operators). */
    static Uni<Command> lockAny(SqlConnection connection, UUID commandId) {
        return connection.preparedQuery(LOCK_ANY).execute(Tuple.of(commandId)).map(CommandSql::first);
    }

    /** What the device may get, locked, in delivery order, after {@code from} (the last of the batch before) if given. */
    static Uni<List<Command>> lockForDevice(SqlConnection connection, String userId, String deviceId, int limit, Command from) {
        return connection.preparedQuery(LOCK_FOR_DEVICE).execute(Tuple.tuple().addString(userId).addString(deviceId)
                .addInteger(limit).addInteger(from == null ? null : (int) from.priority)
                .addOffsetDateTime(from == null ? null : time(from.createdAt)).addUUID(from == null ? null : from.commandId))
                .map(CommandSql::all);
    }

    static Uni<Command> findOwned(SqlConnection connection, String userId, UUID commandId) {
        return connection.preparedQuery(FIND_OWNED).execute(Tuple.of(userId, commandId)).map(CommandSql::first);
    }

    static Uni<Command> deadLetter(SqlConnection connection, UUID commandId) {
        return connection.preparedQuery(DEAD_LETTER).execute(Tuple.of(commandId)).map(CommandSql::first);
    }

    static Uni<List<Command>> lockDispatchedTo(SqlConnection connection, String userId, String deviceId) {
        return connection.preparedQuery(LOCK_DISPATCHED_TO).execute(Tuple.of(userId, deviceId)).map(CommandSql::all);
    }

    static Uni<List<Command>> lockUnfinishedFor(SqlConnection connection, String userId, String deviceId) {
        return connection.preparedQuery(LOCK_UNFINISHED_FOR).execute(Tuple.of(userId, deviceId)).map(CommandSql::all);
    }

    static Uni<List<Command>> lockOpenOfSession(SqlConnection connection, String sessionId) {
        return connection.preparedQuery(LOCK_OPEN_OF_SESSION).execute(Tuple.of(sessionId)).map(CommandSql::all);
    }

    /** The session's commands queued for its owner, locked, in delivery order, after {@code from} if given. */
    static Uni<List<Command>> lockQueuedOfSession(SqlConnection connection, String sessionId, String userId, String owner, int limit,
            Command from) {
        // the session's user too: a command another user named the session with is never the owner's
        return connection.preparedQuery(LOCK_QUEUED_OF_SESSION).execute(Tuple.tuple().addString(sessionId).addString(owner)
                .addInteger(limit).addInteger(from == null ? null : (int) from.priority)
                .addOffsetDateTime(from == null ? null : time(from.createdAt)).addUUID(from == null ? null : from.commandId)
                .addString(userId))
                .map(CommandSql::all);
    }

    /** Due commands, and the database's time that found them due. */
    record Claim(List<Command> commands, Instant now) {
    }

    static Uni<Claim> claimDue(SqlConnection connection, int limit) {
        return connection.preparedQuery(CLAIM_DUE).execute(Tuple.of(limit)).chain(rows -> {
            if (rows.size() > 0) {
                return Uni.createFrom().item(new Claim(all(rows), rows.iterator().next().getOffsetDateTime(25).toInstant()));
            }
            return connection.query(NOW).execute().map(now -> new Claim(List.of(), now.iterator().next().getOffsetDateTime(0).toInstant()));
        });
    }

    /** A page of the user's commands, newest first, after the cursor (created_at, command_id) if given. */
    static Uni<List<Command>> ofUser(SqlConnection connection, String userId, String status, String device, Cursor after, int limit) {
        return connection.preparedQuery(OF_USER).execute(Tuple.tuple().addString(userId).addString(status).addString(device)
                .addOffsetDateTime(after == null ? null : time(after.time())).addUUID(after == null ? null : after.id())
                .addInteger(limit)).map(CommandSql::all);
    }

    /** A page of dead letters, most recently dead first, after the cursor (dead_at, command_id) if given. */
    static Uni<List<Command>> deadLetters(SqlConnection connection, String userId, String device, String reason,
            Long olderThanSec, Cursor after, int limit, boolean lock) {
        return connection.preparedQuery(lock ? DEAD_LETTERS + " FOR UPDATE" : DEAD_LETTERS).execute(Tuple.tuple().addString(userId).addString(device).addString(reason)
                .addDouble(olderThanSec == null ? null : olderThanSec.doubleValue())
                .addOffsetDateTime(after == null ? null : time(after.time())).addUUID(after == null ? null : after.id())
                .addInteger(limit)).map(CommandSql::all);
    }

    static Uni<Void> delete(SqlConnection connection, List<Command> commands) {
        if (commands.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return connection.preparedQuery(DELETE).execute(Tuple.of(commands.stream().map(c -> c.commandId).toArray(UUID[]::new)))
                .replaceWithVoid();
    }

    /** A page position: the sort time and the command id of the last row of the page before. */
    record Cursor(Instant time, UUID id) {
        static Cursor parse(String text) {
            if (text == null) {
                return null;
            }
            int colon = text.indexOf(':');
            try {
                return new Cursor(Instant.ofEpochSecond(0, Long.parseLong(text.substring(0, colon)) * 1000),
                        UUID.fromString(text.substring(colon + 1)));
            } catch (RuntimeException bad) {
                throw new IllegalArgumentException("not a page cursor: " + text);
            }
        }

        String text() {
            long micros = time.getEpochSecond() * 1_000_000 + time.getNano() / 1000;
            return micros + ":" + id;
        }
    }

    private static Command first(RowSet<Row> rows) {
        return rows.size() == 0 ? null : Command.from(rows.iterator().next());
    }

    private static List<Command> all(RowSet<Row> rows) {
        List<Command> list = new ArrayList<>(rows.size());
        for (Row row : rows) {
            list.add(Command.from(row));
        }
        return list;
    }
}
