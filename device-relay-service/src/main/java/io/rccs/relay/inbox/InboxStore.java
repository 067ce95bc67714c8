package io.rccs.relay.inbox;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The per-device inbox in the relay's schema (tables relay.inbox_cursor and relay.inbox_entry, V2 migration;
 * named in full, as this SQL does not go through Hibernate's default schema),
 * written with set-based SQL so that a whole batch of entries costs one transaction of four
 * statements, whatever its size.
 */
@ApplicationScoped
public class InboxStore {

    /**
     * A frame to store for one target device; {@code frame} is the frame as delivered, without seq. For
     * a message, the sending device and its frame id; for a service's frame ({@code InboxAppend}),
     * {@code @source} and the service's key.
     */
    public record Entry(String userId, String deviceId, String senderDevice, String frameId, Frame frame) {
        /** Put here by a service, not sent by a device ({@code @} is never in a device id). */
        public boolean fromService() {
            return senderDevice.startsWith("@");
        }

        DeviceKey target() {
            return new DeviceKey(userId, deviceId);
        }

        String onceKey() {
            return userId + '\u0000' + deviceId + '\u0000' + senderDevice + '\u0000' + frameId;
        }
    }

    /** An entry as stored: its seq, and whether this call created it (false: a resend of a stored one). */
    public record Stored(Entry entry, long seq, boolean created) {
        public Frame delivered() {
            return entry.frame().withSeq(seq);
        }
    }

    /** An {@code ack {upTo}} of one device. */
    public record Ack(String userId, String deviceId, long upTo) {
    }

    /** A user's device: the key of a cursor. */
    public record DeviceKey(String userId, String deviceId) implements Comparable<DeviceKey> {
        @Override
        public int compareTo(DeviceKey other) {
            int byUser = userId.compareTo(other.userId);
            return byUser != 0 ? byUser : deviceId.compareTo(other.deviceId);
        }
    }

    /** What a connecting device is told in welcome, and after which seq its replay starts. */
    public record Replay(boolean resumed, long missed, long after) {
    }

    /** Entries stored and not yet acknowledged (nor removed by retention), and the devices they wait for. */
    public record Depth(long entries, long devices) {
    }

    /** A device whose unacknowledged entries are due to be sent again. */
    public record Due(String userId, String deviceId, long ackedSeq, OffsetDateTime sentAt) {
    }

    // Locks every existing cursor the run will write (its targets and the devices whose acks it applies)
    // in key order before anything else: TAKE_SEQS and ACKNOWLEDGE then find them locked. Locking the
    // targets and then the ackers could deadlock with a session change, which locks its members'
    // cursors in key order. The one-time filter runs the locking CTE first, even when nothing is found.
    private static final String LOCK_CURSORS = """
            locked AS (
              SELECT c.user_id FROM relay.inbox_cursor c
                JOIN unnest($%d::text[], $%d::text[]) AS l(user_id, device_id) ON c.user_id = l.user_id AND c.device_id = l.device_id
               ORDER BY c.user_id, c.device_id FOR UPDATE OF c)""";

    private static final String FIND_STORED = "WITH " + LOCK_CURSORS.formatted(5, 6) + """

            SELECT e.user_id, e.device_id, e.sender_device, e.frame_id, e.seq
              FROM relay.inbox_entry e
              JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(user_id, device_id, sender_device, frame_id)
                ON e.user_id = k.user_id AND e.device_id = k.device_id
               AND e.sender_device = k.sender_device AND e.frame_id = k.frame_id
             WHERE (SELECT count(*) FROM locked) >= 0""";

    // one row per device, in key order (a fixed lock order); the cursor row lock orders concurrent writers.
    // sent_at is when the device last made progress: kept while older entries wait for an ack, so that a
    // steady stream cannot postpone the redelivery of a lost one
    private static final String TAKE_SEQS = """
            INSERT INTO relay.inbox_cursor AS c (user_id, device_id, last_seq, sent_at)
            SELECT user_id, device_id, n, now() FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(user_id, device_id, n)
            ON CONFLICT (user_id, device_id) DO UPDATE SET last_seq = c.last_seq + EXCLUDED.last_seq,
              sent_at = CASE WHEN c.acked_seq < c.last_seq AND c.sent_at IS NOT NULL THEN c.sent_at ELSE now() END,
              redeliveries = CASE WHEN c.acked_seq < c.last_seq THEN c.redeliveries ELSE 0 END
            RETURNING user_id, device_id, last_seq""";

    private static final String INSERT_ENTRIES = """
            INSERT INTO relay.inbox_entry (user_id, device_id, seq, sender_device, frame_id, frame)
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])""";

    // an ack that moves the position is progress: the redelivery timer starts again from it
    // a run of acks alone locks its cursors in key order too (with messages, FIND_STORED locked them already)
    private static final String ACKNOWLEDGE = "WITH " + LOCK_CURSORS.formatted(1, 2) + """

            UPDATE relay.inbox_cursor c SET acked_seq = GREATEST(c.acked_seq, LEAST(k.up_to, c.last_seq)),
              sent_at = CASE WHEN LEAST(k.up_to, c.last_seq) > c.acked_seq AND c.sent_at IS NOT NULL THEN now() ELSE c.sent_at END,
              redeliveries = CASE WHEN LEAST(k.up_to, c.last_seq) > c.acked_seq THEN 0 ELSE c.redeliveries END
              FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(user_id, device_id, up_to)
             WHERE c.user_id = k.user_id AND c.device_id = k.device_id AND (SELECT count(*) FROM locked) >= 0""";

    private final Pool pool;

    public InboxStore(Pool pool) {
        this.pool = pool;
    }

    /**
     * Stores the entries (each once per sender frame id and target) and applies the acks, in one
     * transaction. The result has one {@link Stored} per entry, in the given order; each target's
     * new entries get consecutive seqs in that order.
     */
    public Uni<List<Stored>> append(List<Entry> entries, List<Ack> acks) {
        if (entries.isEmpty() && acks.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return pool.withTransaction(connection -> append(connection, entries, acks));
    }

    /** {@link #append(List, List)} within the caller's transaction (a session change stores its frames with it). */
    public Uni<List<Stored>> append(SqlConnection connection, List<Entry> entries, List<Ack> acks) {
        return findStored(connection, entries, acks)
                .chain(stored -> storeNew(connection, entries, stored))
                .call(() -> acknowledge(connection, acks));
    }

    private Uni<Map<String, Long>> findStored(SqlConnection connection, List<Entry> entries, List<Ack> acks) {
        if (entries.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        int n = entries.size();
        String[] users = new String[n], devices = new String[n], senders = new String[n], ids = new String[n];
        TreeSet<DeviceKey> written = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            Entry entry = entries.get(i);
            users[i] = entry.userId();
            devices[i] = entry.deviceId();
            senders[i] = entry.senderDevice();
            ids[i] = entry.frameId();
            written.add(entry.target());
        }
        acks.forEach(ack -> written.add(new DeviceKey(ack.userId(), ack.deviceId())));
        String[] lockUsers = written.stream().map(DeviceKey::userId).toArray(String[]::new);
        String[] lockDevices = written.stream().map(DeviceKey::deviceId).toArray(String[]::new);
        return connection.preparedQuery(FIND_STORED)
                .execute(Tuple.tuple().addArrayOfString(users).addArrayOfString(devices).addArrayOfString(senders)
                        .addArrayOfString(ids).addArrayOfString(lockUsers).addArrayOfString(lockDevices))
                .map(rows -> {
                    Map<String, Long> found = new HashMap<>();
                    for (Row row : rows) {
                        found.put(new Entry(row.getString(0), row.getString(1), row.getString(2), row.getString(3), null)
                                .onceKey(), row.getLong(4));
                    }
                    return found;
                });
    }

    private Uni<List<Stored>> storeNew(SqlConnection connection, List<Entry> entries, Map<String, Long> alreadyStored) {
        // the new entries, first occurrence only (a resend may sit in the same batch as the original)
        Map<String, Entry> fresh = new LinkedHashMap<>();
        TreeMap<DeviceKey, Integer> perDevice = new TreeMap<>();
        for (Entry entry : entries) {
            if (!alreadyStored.containsKey(entry.onceKey()) && fresh.putIfAbsent(entry.onceKey(), entry) == null) {
                perDevice.merge(entry.target(), 1, Integer::sum);
            }
        }
        if (fresh.isEmpty()) {
            return Uni.createFrom().item(() -> result(entries, alreadyStored, Map.of()));
        }
        return takeSeqs(connection, perDevice).chain(lastSeqs -> {
            Map<DeviceKey, Long> next = new HashMap<>();
            lastSeqs.forEach((device, last) -> next.put(device, last - perDevice.get(device) + 1));
            Map<String, Long> assigned = new HashMap<>();
            int n = fresh.size(), i = 0;
            String[] users = new String[n], devices = new String[n], senders = new String[n], ids = new String[n],
                    frames = new String[n];
            Long[] seqs = new Long[n];
            for (Entry entry : fresh.values()) {
                long seq = next.merge(entry.target(), 1L, Long::sum) - 1;
                assigned.put(entry.onceKey(), seq);
                users[i] = entry.userId();
                devices[i] = entry.deviceId();
                seqs[i] = seq;
                senders[i] = entry.senderDevice();
                ids[i] = entry.frameId();
                frames[i] = FrameCodec.encode(entry.frame().withSeq(seq));
                i++;
            }
            return connection.preparedQuery(INSERT_ENTRIES)
                    .execute(Tuple.tuple().addArrayOfString(users).addArrayOfString(devices).addArrayOfLong(seqs)
                            .addArrayOfString(senders).addArrayOfString(ids).addArrayOfString(frames))
                    .map(ignored -> result(entries, alreadyStored, assigned));
        });
    }

    private Uni<Map<DeviceKey, Long>> takeSeqs(SqlConnection connection, TreeMap<DeviceKey, Integer> perDevice) {
        int n = perDevice.size(), i = 0;
        String[] users = new String[n], devices = new String[n];
        Long[] counts = new Long[n];
        for (Map.Entry<DeviceKey, Integer> device : perDevice.entrySet()) {
            users[i] = device.getKey().userId();
            devices[i] = device.getKey().deviceId();
            counts[i++] = device.getValue().longValue();
        }
        return connection.preparedQuery(TAKE_SEQS)
                .execute(Tuple.tuple().addArrayOfString(users).addArrayOfString(devices).addArrayOfLong(counts))
                .map(rows -> {
                    Map<DeviceKey, Long> last = new HashMap<>();
                    for (Row row : rows) {
                        last.put(new DeviceKey(row.getString(0), row.getString(1)), row.getLong(2));
                    }
                    return last;
                });
    }

    private static List<Stored> result(List<Entry> entries, Map<String, Long> alreadyStored, Map<String, Long> assigned) {
        List<Stored> result = new ArrayList<>(entries.size());
        Map<String, Boolean> reported = new HashMap<>();
        for (Entry entry : entries) {
            Long created = assigned.get(entry.onceKey());
            // only the first occurrence of a new entry counts as created; a same-batch resend does not
            boolean first = created != null && reported.putIfAbsent(entry.onceKey(), true) == null;
            long seq = created != null ? created : alreadyStored.get(entry.onceKey());
            result.add(new Stored(entry, seq, first));
        }
        return result;
    }

    private Uni<Void> acknowledge(SqlConnection connection, List<Ack> acks) {
        if (acks.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        TreeMap<DeviceKey, Long> highest = new TreeMap<>();
        acks.forEach(ack -> highest.merge(new DeviceKey(ack.userId(), ack.deviceId()), ack.upTo(), Math::max));
        int n = highest.size(), i = 0;
        String[] users = new String[n], devices = new String[n];
        Long[] upTo = new Long[n];
        for (Map.Entry<DeviceKey, Long> ack : highest.entrySet()) {
            users[i] = ack.getKey().userId();
            devices[i] = ack.getKey().deviceId();
            upTo[i++] = ack.getValue();
        }
        return connection.preparedQuery(ACKNOWLEDGE)
                .execute(Tuple.tuple().addArrayOfString(users).addArrayOfString(devices).addArrayOfLong(upTo))
                .replaceWithVoid();
    }

    /**
     * Where a device that says hello stands: with {@code lastSeq} (resume) its replay is every retained
     * entry after it, and {@code missed} counts the entries after lastSeq that retention removed;
     * without, the replay is every unacknowledged entry and {@code missed} counts those retention
     * removed unacknowledged. A lastSeq beyond anything given out (the device remembers more than this
     * inbox has) moves the cursor up to it, so that new entries are never numbered at or below what the
     * device thinks it has already seen. The entries themselves are read page by page
     * ({@link #framesAfter}).
     */
    public Uni<Replay> replay(String userId, String deviceId, Long lastSeq) {
        return pool.withTransaction(connection -> connection.preparedQuery("""
                INSERT INTO relay.inbox_cursor AS c (user_id, device_id, last_seq, acked_seq, trimmed_seq)
                VALUES ($1, $2, $3, $3, 0)
                ON CONFLICT (user_id, device_id) DO UPDATE SET
                  last_seq = GREATEST(c.last_seq, EXCLUDED.last_seq),
                  acked_seq = CASE WHEN EXCLUDED.last_seq > c.last_seq THEN EXCLUDED.last_seq ELSE c.acked_seq END,
                  sent_at = CASE WHEN c.acked_seq < c.last_seq THEN now() ELSE c.sent_at END,
                  redeliveries = 0
                RETURNING last_seq, acked_seq, trimmed_seq""")
                .execute(Tuple.of(userId, deviceId, lastSeq == null ? 0L : lastSeq))
                .map(rows -> {
                    Row cursor = rows.iterator().next();
                    long acked = cursor.getLong(1), trimmed = cursor.getLong(2);
                    long after = lastSeq != null ? lastSeq : acked;
                    long missed = Math.max(0, trimmed - after);
                    // the replay starts past what retention removed (entries being deleted are not read)
                    return new Replay(lastSeq != null && missed == 0, missed, Math.max(after, trimmed));
                }));
    }

    /**
     * Claims devices whose unacknowledged entries were sent more than {@code timeout} ago, or more
     * than twice that after one redelivery, four times after two, and so on up to {@code maxInterval};
     * marks them sent now and counts the redelivery. Only a device whose oldest waiting entry is older
     * than the timeout is claimed, so every claim sends something (a claim that sent nothing would
     * double the next wait for nothing). Several relay instances each claim different devices (SKIP LOCKED).
     */
    public Uni<List<Due>> claimDue(Duration timeout, Duration maxInterval, int limit) {
        // the first condition alone is what the partial index inbox_cursor_unacked serves
        return pool.preparedQuery("""
                UPDATE relay.inbox_cursor c SET sent_at = now(), redeliveries = c.redeliveries + 1
                  FROM (SELECT w.user_id, w.device_id FROM relay.inbox_cursor w
                         WHERE w.acked_seq < w.last_seq AND w.sent_at IS NOT NULL AND w.sent_at < now() - $1 * interval '1 millisecond'
                           AND w.trimmed_seq < w.last_seq
                           AND w.sent_at < now() - LEAST($1 * power(2, LEAST(w.redeliveries, 30)), $2) * interval '1 millisecond'
                           -- the oldest entry waiting is itself older than the timeout: a claim always sends something
                           AND EXISTS (SELECT 1 FROM relay.inbox_entry e
                                        WHERE e.user_id = w.user_id AND e.device_id = w.device_id
                                          AND e.seq = GREATEST(w.acked_seq, w.trimmed_seq) + 1
                                          AND e.created_at < now() - $1 * interval '1 millisecond')
                         ORDER BY w.sent_at LIMIT $3 FOR UPDATE OF w SKIP LOCKED) d
                 WHERE c.user_id = d.user_id AND c.device_id = d.device_id
                RETURNING c.user_id, c.device_id, c.acked_seq, c.sent_at""")
                .execute(Tuple.of(timeout.toMillis(), Math.max(timeout.toMillis(), maxInterval.toMillis()), limit))
                .map(rows -> {
                    List<Due> due = new ArrayList<>();
                    rows.forEach(row -> due.add(new Due(row.getString(0), row.getString(1), row.getLong(2),
                            row.getOffsetDateTime(3))));
                    return due;
                });
    }

    /**
     * The frames of up to {@code limit} entries after {@code afterSeq} that were stored more than
     * {@code age} ago, in seq order: what a redelivery sends. A younger entry is still on its first
     * way to the device (a backlog between the services is not a loss) and is left to it.
     */
    public Uni<List<String>> framesDue(String userId, String deviceId, long afterSeq, Duration age, int limit) {
        return pool.preparedQuery("""
                SELECT frame FROM relay.inbox_entry
                 WHERE user_id = $1 AND device_id = $2 AND seq > $3 AND created_at < now() - $4 * interval '1 millisecond'
                 ORDER BY seq LIMIT $5""")
                .execute(Tuple.of(userId, deviceId, afterSeq, age.toMillis(), limit))
                .map(InboxStore::frames);
    }

    /**
     * The inbox's depth, from the cursors alone (one row per device, no entry is read): a device's
     * seqs are consecutive, so what it still waits to acknowledge is last_seq minus the higher of
     * what it acknowledged and what retention removed.
     */
    public Uni<Depth> depth() {
        return pool.query("""
                SELECT COALESCE(sum(last_seq - GREATEST(acked_seq, trimmed_seq)), 0), count(*)
                  FROM relay.inbox_cursor WHERE last_seq > GREATEST(acked_seq, trimmed_seq)""")
                .execute()
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Depth(row.getLong(0), row.getLong(1));
                });
    }

    /** Drops a device's inbox, entries and cursor (the device was revoked). */
    public Uni<Void> drop(String userId, String deviceId) {
        Tuple key = Tuple.of(userId, deviceId);
        return pool.withTransaction(connection -> connection
                .preparedQuery("DELETE FROM relay.inbox_entry WHERE user_id = $1 AND device_id = $2").execute(key)
                .chain(() -> connection.preparedQuery("DELETE FROM relay.inbox_cursor WHERE user_id = $1 AND device_id = $2")
                        .execute(key)))
                .replaceWithVoid();
    }

    /** The frames of up to {@code limit} entries after {@code afterSeq}, in seq order (one page). */
    public Uni<List<String>> framesAfter(String userId, String deviceId, long afterSeq, int limit) {
        return pool.preparedQuery("""
                SELECT frame FROM relay.inbox_entry WHERE user_id = $1 AND device_id = $2 AND seq > $3 ORDER BY seq LIMIT $4""")
                .execute(Tuple.of(userId, deviceId, afterSeq, limit))
                .map(InboxStore::frames);
    }

    private static List<String> frames(RowSet<Row> rows) {
        List<String> frames = new ArrayList<>(rows.size());
        rows.forEach(row -> frames.add(row.getString(0)));
        return frames;
    }

    /**
     * The device is offline: stop the timer until it connects (its hello replays), unless something was
     * sent since; the backoff starts again from the timeout.
     */
    public Uni<Void> awaitConnect(Due due) {
        return pool.preparedQuery("""
                UPDATE relay.inbox_cursor SET sent_at = NULL, redeliveries = 0 WHERE user_id = $1 AND device_id = $2 AND sent_at = $3""")
                .execute(Tuple.of(due.userId(), due.deviceId(), due.sentAt()))
                .replaceWithVoid();
    }

    /**
     * Applies the retention in two short steps, so that no cursor stays locked while many entries are
     * deleted (an append to that device would wait for it): first each cursor's {@code trimmed_seq}
     * moves to what the count and age limits allow (a quick update), then the entries at or below it
     * are deleted, {@code limit} at a time, touching no cursor. Between the two, an entry may still be
     * readable though counted as trimmed; replays never read below {@code trimmed_seq}. A cursor that
     * an append holds locked is passed over (SKIP LOCKED) and trimmed on the next round: waiting for it
     * while holding other cursors locked deadlocked with appends, which lock their cursors in another
     * order (PostgreSQL broke the cycle after its one-second deadlock timeout, a stall of every
     * message behind that append).
     */
    public Uni<Long> trim(int maxEntries, Duration maxAge, Duration minAge, int limit) {
        // by count, but never an entry younger than minAge: a frame handled again after a crash (its
        // batch not committed) must still find its entry, or it would be stored twice under a new seq
        Uni<Void> byCount = pool.preparedQuery("""
                WITH due AS (
                  SELECT c.user_id, c.device_id, LEAST(c.last_seq - $1, o.up_to) AS up_to FROM relay.inbox_cursor c
                    JOIN (SELECT user_id, device_id, max(seq) AS up_to FROM relay.inbox_entry
                           WHERE created_at < now() - $2 * interval '1 millisecond' GROUP BY user_id, device_id) o
                      ON c.user_id = o.user_id AND c.device_id = o.device_id
                   WHERE c.last_seq - c.trimmed_seq > $1 AND LEAST(c.last_seq - $1, o.up_to) > c.trimmed_seq
                     FOR UPDATE OF c SKIP LOCKED)
                UPDATE relay.inbox_cursor c SET trimmed_seq = due.up_to FROM due
                 WHERE c.user_id = due.user_id AND c.device_id = due.device_id""")
                .execute(Tuple.of((long) maxEntries, minAge.toMillis())).replaceWithVoid();
        // by age, per device a prefix of its seqs: retention never leaves a hole that missed would miscount
        Uni<Void> byAge = pool.preparedQuery("""
                WITH due AS (
                  SELECT c.user_id, c.device_id, o.up_to FROM relay.inbox_cursor c
                    JOIN (SELECT user_id, device_id, max(seq) AS up_to FROM relay.inbox_entry
                           WHERE created_at < now() - $1 * interval '1 millisecond' GROUP BY user_id, device_id) o
                      ON c.user_id = o.user_id AND c.device_id = o.device_id
                   WHERE o.up_to > c.trimmed_seq
                     FOR UPDATE OF c SKIP LOCKED)
                UPDATE relay.inbox_cursor c SET trimmed_seq = due.up_to FROM due
                 WHERE c.user_id = due.user_id AND c.device_id = due.device_id""")
                .execute(Tuple.of(maxAge.toMillis())).replaceWithVoid();
        return byCount.chain(() -> byAge).chain(() -> deleteTrimmed(limit, 0L));
    }

    private Uni<Long> deleteTrimmed(int limit, long sofar) {
        return pool.preparedQuery("""
                DELETE FROM relay.inbox_entry WHERE ctid IN (
                  SELECT e.ctid FROM relay.inbox_cursor c
                    JOIN relay.inbox_entry e ON e.user_id = c.user_id AND e.device_id = c.device_id AND e.seq <= c.trimmed_seq
                   LIMIT $1)""")
                .execute(Tuple.of(limit))
                .chain(rows -> rows.rowCount() < limit ? Uni.createFrom().item(sofar + rows.rowCount())
                        : deleteTrimmed(limit, sofar + rows.rowCount()));
    }
}
