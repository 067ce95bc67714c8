package io.rccs.relay.device;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.rccs.model.protocol.payload.Devices.DeviceInfo;
import io.rccs.relay.RelayConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The users' devices as message routing needs them (which exist, which are trusted), in memory so
 * that a message costs no database read. An entry is loaded from the registry on first use and
 * dropped whenever a device event of its user is seen (rccs.device.events, from any relay
 * instance) or this instance changes the registry itself; the next use loads it again. Loads go
 * straight to the pool, all the missing users of a batch in one query (no ORM session, which
 * cannot be shared by the concurrent loads of one batch).
 */
@ApplicationScoped
public class DeviceCache {

    /** A device as routing and discovery see it (revoked devices are left out). */
    public record Known(String deviceId, boolean trusted, String name, String kind, String platform,
            List<String> capabilities, Instant lastSeen) {

        /** The device to prefer for a session (failover): a desktop first, then the most recently seen. */
        public static final java.util.Comparator<Known> PREFERRED = java.util.Comparator
                .comparing((Known device) -> !"desktop".equals(device.kind()))
                .thenComparing(Known::lastSeen, java.util.Comparator.reverseOrder());

        /** Whether it has every capability in {@code requires}. */
        public boolean canRun(List<String> requires) {
            return io.rccs.model.protocol.payload.Capabilities.allMet(capabilities, requires);
        }

        public DeviceInfo toInfo(boolean online) {
            return new DeviceInfo(deviceId, name, kind, platform, capabilities, trusted, online ? "online" : "offline",
                    lastSeen.toEpochMilli());
        }
    }

    /** One user's devices, by id, in a stable order. */
    public record UserDevices(Map<String, Known> byId) {

        static final UserDevices NONE = new UserDevices(Map.of());

        public Known find(String deviceId) {
            return byId.get(deviceId);
        }

        /** Whether the device exists, is not revoked, and is trusted. */
        public boolean trusts(String deviceId) {
            Known device = byId.get(deviceId);
            return device != null && device.trusted();
        }

        /** Every device, in id order. */
        public List<Known> all() {
            return byId.values().stream().sorted(java.util.Comparator.comparing(Known::deviceId)).toList();
        }

        /** Every trusted device of the user but {@code except}: the targets of a broadcast. */
        public List<String> trustedExcept(String except) {
            return byId.values().stream().filter(device -> device.trusted() && !device.deviceId().equals(except))
                    .map(Known::deviceId).sorted().toList();
        }
    }

    private static final String LOAD = """
            SELECT user_id, device_id, trusted, name, kind, platform, capabilities, last_seen FROM relay.device
            WHERE user_id = ANY($1) AND revoked_at IS NULL ORDER BY user_id, device_id""";

    private final Pool pool;
    private final AsyncCache<String, UserDevices> users;

    public DeviceCache(Pool pool, RelayConfig config) {
        this.pool = pool;
        this.users = Caffeine.newBuilder()
                .maximumSize(config.cachedUsers())
                // bounds how long a change missed by the event stream can linger (another relay instance's
                // write seen late, events before this instance's cache consumer was assigned)
                .expireAfterWrite(Duration.ofMinutes(1))
                .buildAsync();
    }

    /** The user's devices; a load that fails is not kept, so the next call tries again. */
    public Uni<UserDevices> of(String userId) {
        return ofAll(Set.of(userId)).map(all -> all.get(userId));
    }

    /** The devices of each of these users, loading the ones not cached in one query. */
    public Uni<Map<String, UserDevices>> ofAll(Set<String> userIds) {
        return Uni.createFrom().completionStage(() -> users.getAll(userIds,
                (missing, executor) -> load(missing).subscribeAsCompletionStage()));
    }

    private Uni<Map<String, UserDevices>> load(Set<? extends String> userIds) {
        return pool.preparedQuery(LOAD).execute(Tuple.tuple().addArrayOfString(userIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Map<String, Known>> byUser = new HashMap<>();
                    for (Row row : rows) {
                        byUser.computeIfAbsent(row.getString(0), ignored -> new LinkedHashMap<>())
                                .put(row.getString(1), new Known(row.getString(1), row.getBoolean(2), row.getString(3),
                                        row.getString(4), row.getString(5), List.of(row.getArrayOfStrings(6)),
                                        row.getOffsetDateTime(7).toInstant()));
                    }
                    Map<String, UserDevices> loaded = new HashMap<>();
                    for (String userId : userIds) {
                        Map<String, Known> devices = byUser.get(userId);
                        loaded.put(userId, devices == null ? UserDevices.NONE : new UserDevices(Map.copyOf(devices)));
                    }
                    return loaded;
                });
    }

    /** Forgets everything (this instance was given partitions another instance had: its view may be stale). */
    public void invalidateAll() {
        users.synchronous().invalidateAll();
    }

    /** Forgets what is known of the user (an in-flight load is dropped too). */
    public void invalidate(String userId) {
        users.synchronous().invalidate(userId);
    }
}
