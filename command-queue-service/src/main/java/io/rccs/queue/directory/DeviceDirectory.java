package io.rccs.queue.directory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * This service's own view of the users' devices, built from rccs.device.events (it never reads the
 * relay's tables):
 * <ul>
 * <li>{@code registered} — a new device (or a revoked id registered anew): trust as the event says,
 *     no longer revoked; it comes with the device online;</li>
 * <li>{@code online} / {@code offline} — presence, which the scheduler reads here instead of asking
 *     Redis per command (the events are keyed per device, so they arrive in order);</li>
 * <li>{@code paired} (trusted now), {@code denied} (stays pending), {@code renamed} — trust and
 *     description as the event says, never presence;</li>
 * <li>{@code revoked} — untrusted, offline, and marked revoked: until the id is registered anew no
 *     event can make it trusted again (an online event the relay made from a device it read before
 *     the revoke, published after it, must not undo the revoke).</li>
 * </ul>
 * Lock order, kept by every transaction of the service so that none deadlocks: device rows first
 * (FOR SHARE to read trust, FOR UPDATE to change it), then command rows.
 */
@ApplicationScoped
public class DeviceDirectory {

    private static final String ENSURE = """
            INSERT INTO queue.known_device (device_key, user_id, device_id, kind, trusted, last_online)
            VALUES ($1, $2, $3, COALESCE($4, 'desktop'), false, 'epoch') ON CONFLICT (device_key) DO NOTHING""";
    private static final String LOCK = "SELECT " + KnownDevice.COLUMNS + " FROM queue.known_device WHERE device_key = $1 FOR UPDATE";
    private static final String SHARE = "SELECT " + KnownDevice.COLUMNS + " FROM queue.known_device WHERE device_key = $1 FOR SHARE";
    private static final String SAVE = """
            UPDATE queue.known_device SET kind = COALESCE($2, kind), capabilities = $3, trusted = $4, online = $5, last_online = $6,
                   revoked_at = $7, connection_id = $8
             WHERE device_key = $1""";
    private static final String OF_USER = "SELECT " + KnownDevice.COLUMNS
            + " FROM queue.known_device WHERE user_id = $1 ORDER BY last_online DESC";
    // in key order, the one order every multi-device lock takes
    private static final String SHARE_OF_USER = "SELECT " + KnownDevice.COLUMNS
            + " FROM queue.known_device WHERE user_id = $1 ORDER BY device_key FOR SHARE";

    /** The device before and after an event. */
    public record Recorded(KnownDevice before, KnownDevice after) {
        /** An online event of a connection other than the one recorded: the device reconnected. */
        public boolean reconnected() {
            return after.connectionId() == null || !after.connectionId().equals(before.connectionId());
        }
    }

    /**
     * Records what the event says of the device (its row locked FOR UPDATE until the transaction
     * ends); replaying an event leaves the same row.
     */
    public Uni<Recorded> record(SqlConnection connection, String type, DeviceEvent event) {
        String key = Topics.deviceKey(event.userId(), event.deviceId());
        return connection.preparedQuery(ENSURE).execute(Tuple.of(key, event.userId(), event.deviceId(), event.kind()))
                .chain(() -> connection.preparedQuery(LOCK).execute(Tuple.of(key)))
                .chain(rows -> {
                    KnownDevice before = KnownDevice.from(rows.iterator().next());
                    KnownDevice after = apply(type, event, before, Instant.now());
                    return connection.preparedQuery(SAVE)
                            .execute(Tuple.tuple().addString(key).addString(after.kind())
                                    .addArrayOfString(after.capabilities().toArray(String[]::new)).addBoolean(after.trusted())
                                    .addBoolean(after.online()).addOffsetDateTime(after.lastOnline().atOffset(java.time.ZoneOffset.UTC))
                                    .addOffsetDateTime(after.revokedAt() == null ? null : after.revokedAt().atOffset(java.time.ZoneOffset.UTC))
                                    .addString(after.connectionId()))
                            .replaceWith(new Recorded(before, after));
                });
    }

    /** The device's new state after an event of this type. */
    static KnownDevice apply(String type, DeviceEvent event, KnownDevice before, Instant now) {
        List<String> capabilities = event.capabilities() == null ? List.of() : List.copyOf(event.capabilities());
        boolean trusted;
        Instant revokedAt = before.revokedAt();
        boolean online = before.online();
        Instant lastOnline = before.lastOnline();
        String connectionId = before.connectionId();
        switch (type) {
            case EventTypes.DEVICE_REVOKED -> {
                trusted = false;
                online = false;
                revokedAt = revokedAt == null ? now : revokedAt;
            }
            case EventTypes.DEVICE_REGISTERED -> {
                revokedAt = null; // registered anew: a new device under the old id
                trusted = event.trusted();
            }
            default -> trusted = event.trusted() && revokedAt == null;
        }
        if (EventTypes.DEVICE_ONLINE.equals(type) || EventTypes.DEVICE_REGISTERED.equals(type)) {
            online = event.online() && revokedAt == null;
            if (online) {
                lastOnline = now;
                connectionId = event.connectionId();
            }
        } else if (EventTypes.DEVICE_OFFLINE.equals(type)) {
            online = false;
        }
        return new KnownDevice(event.userId(), event.deviceId(), event.kind(), capabilities, trusted, online, lastOnline, revokedAt,
                connectionId);
    }

    /**
     * The device, share-locked (FOR SHARE) until the transaction ends, or null if this service has
     * not heard of it: a revoke (which locks the row FOR UPDATE) waits for the transaction, or the
     * transaction sees the revoke. Called before any command row is locked.
     */
    public Uni<KnownDevice> findShared(SqlConnection connection, String userId, String deviceId) {
        return connection.preparedQuery(SHARE).execute(Tuple.of(Topics.deviceKey(userId, deviceId)))
                .map(rows -> rows.size() == 0 ? null : KnownDevice.from(rows.iterator().next()));
    }

    private static final String OF_USERS = "SELECT " + KnownDevice.COLUMNS
            + " FROM queue.known_device WHERE user_id = ANY($1::text[])";

    /** The devices of several users at once, by user (not locked). */
    public Uni<java.util.Map<String, List<KnownDevice>>> ofUsers(SqlConnection connection, List<String> userIds) {
        return connection.preparedQuery(OF_USERS).execute(Tuple.of(userIds.toArray(String[]::new))).map(rows -> {
            java.util.Map<String, List<KnownDevice>> byUser = new java.util.HashMap<>();
            for (Row row : rows) {
                KnownDevice device = KnownDevice.from(row);
                byUser.computeIfAbsent(device.userId(), ignored -> new ArrayList<>()).add(device);
            }
            return byUser;
        });
    }

    /**
     * Every device of the user, share-locked (before any command row): a device coming online (its
     * event locks its row FOR UPDATE) either is seen online here, or waits and then sees what this
     * transaction queued.
     */
    public Uni<List<KnownDevice>> ofUserShared(SqlConnection connection, String userId) {
        return connection.preparedQuery(SHARE_OF_USER).execute(Tuple.of(userId)).map(rows -> {
            List<KnownDevice> devices = new ArrayList<>();
            for (Row row : rows) {
                devices.add(KnownDevice.from(row));
            }
            return devices;
        });
    }

    /** Every device of the user, most recently online first (not locked). */
    public Uni<List<KnownDevice>> ofUser(SqlConnection connection, String userId) {
        return connection.preparedQuery(OF_USER).execute(Tuple.of(userId)).map(rows -> {
            List<KnownDevice> devices = new ArrayList<>();
            for (Row row : rows) {
                devices.add(KnownDevice.from(row));
            }
            return devices;
        });
    }
}
