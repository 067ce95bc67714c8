package io.rccs.queue.command;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import io.vertx.mutiny.sqlclient.Row;

/**
 * A command row and where it is in its lifecycle (SPEC 3.3). Loaded locked (FOR UPDATE), changed
 * through {@link #moveTo}, written back by {@link CommandSql#update} with a version check.
 */
public final class Command {

    /** Columns in the order {@link #from} reads them. */
    static final String COLUMNS = "command_id, user_id, sender_device, submit_id, target_device, auto_target, name, args, "
            + "priority, requires, status, attempt, max_attempts, not_before, expires_at, ttl_sec, next_attempt_at, "
            + "dispatched_at, dead_at, result, last_error, version, created_at, updated_at, session_id";

    public UUID commandId;
    public String userId;
    /** The submitting device, or {@code @rest} / {@code @kafka:<source>} for a backend. */
    public String senderDevice;
    public String submitId;
    /** The device it is for; for {@link #autoTarget} the one it was last dispatched to, or null. */
    public String targetDevice;
    /** Submitted without {@code to}: any trusted online device with the capabilities may take it. */
    public boolean autoTarget;
    /**
     * The work session it was submitted for, or null: {@link #targetDevice} is then the session's owner
     * (null until the queue hears of the session), and follows it while the command is QUEUED.
     */
    public String sessionId;
    public String name;
    /** The args as JSON text. */
    public String args;
    public short priority;
    public List<String> requires = List.of();
    public CommandStatus status;
    public int attempt;
    public int maxAttempts;
    public Instant notBefore;
    public Instant expiresAt;
    public long ttlSec;
    public Instant nextAttemptAt;
    public Instant dispatchedAt;
    public Instant deadAt;
    /** The device's output as JSON text, once it reported a result. */
    public String result;
    public String lastError;
    /** Grows by one on every transition: consumers order and dedupe by it. */
    public long version;
    public Instant createdAt;
    public Instant updatedAt;

    /** The version as loaded: {@link CommandSql#update} writes only if the row still has it. */
    long loadedVersion;

    static Command from(Row row) {
        Command c = new Command();
        c.commandId = row.getUUID(0);
        c.userId = row.getString(1);
        c.senderDevice = row.getString(2);
        c.submitId = row.getString(3);
        c.targetDevice = row.getString(4);
        c.autoTarget = row.getBoolean(5);
        c.name = row.getString(6);
        c.args = row.getString(7);
        c.priority = row.getShort(8);
        String[] requires = row.getArrayOfStrings(9);
        c.requires = requires == null ? List.of() : List.of(requires);
        c.status = CommandStatus.valueOf(row.getString(10));
        c.attempt = row.getInteger(11);
        c.maxAttempts = row.getInteger(12);
        c.notBefore = instant(row.getOffsetDateTime(13));
        c.expiresAt = instant(row.getOffsetDateTime(14));
        c.ttlSec = row.getLong(15);
        c.nextAttemptAt = instant(row.getOffsetDateTime(16));
        c.dispatchedAt = instant(row.getOffsetDateTime(17));
        c.deadAt = instant(row.getOffsetDateTime(18));
        c.result = row.getString(19);
        c.lastError = row.getString(20);
        c.version = row.getLong(21);
        c.loadedVersion = c.version;
        c.createdAt = instant(row.getOffsetDateTime(22));
        c.updatedAt = instant(row.getOffsetDateTime(23));
        c.sessionId = row.getString(24);
        return c;
    }

    static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    /** A transition: the status, one more version, and the time of the change. */
    void moveTo(CommandStatus next, Instant now) {
        status = next;
        version++;
        updatedAt = now;
    }

    boolean expiredAt(Instant now) {
        return !expiresAt.isAfter(now);
    }

    boolean notBeforePassed(Instant now) {
        return notBefore == null || !notBefore.isAfter(now);
    }

    /** A backend submitted it (REST or Kafka): there is no sender device to tell. */
    boolean fromBackend() {
        return senderDevice.startsWith("@");
    }

    boolean isNew() {
        return loadedVersion == 0;
    }
}
