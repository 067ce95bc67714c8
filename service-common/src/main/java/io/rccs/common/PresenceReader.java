package io.rccs.common;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.rccs.model.presence.PresenceEntry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

/**
 * Reads where devices are connected from the presence entries the gateways keep in Redis. An entry
 * of a gateway run that is no longer alive ({@link GatewayLiveness}) counts as absent: nothing is
 * sent into the partition of a gateway that died.
 */
@ApplicationScoped
public class PresenceReader {

    /** The fields of an entry, in the order the lookup script returns them. */
    static final String[] FIELDS = { "userId", "deviceId", "connectionId", "gateway", "since", "epoch" };

    // every key of one call belongs to one user, so to one Redis Cluster slot (the {user} hash tag)
    private static final String READ_ALL = """
            local found = {}
            for i, key in ipairs(KEYS) do
              found[i] = redis.call('HMGET', key, 'userId', 'deviceId', 'connectionId', 'gateway', 'since', 'epoch')
            end
            return found""";

    private final ReactiveRedisDataSource redis;
    private final GatewayLiveness liveness;

    public PresenceReader(ReactiveRedisDataSource redis, GatewayLiveness liveness) {
        this.redis = redis;
        this.liveness = liveness;
    }

    public Uni<Optional<PresenceEntry>> find(String userId, String deviceId) {
        return findAll(userId, List.of(deviceId)).map(found -> Optional.ofNullable(found.get(deviceId)));
    }

    /**
     * The online devices among {@code deviceIds} of one user, in one round trip; offline ones, and
     * those of a dead gateway run, are absent.
     */
    public Uni<Map<String, PresenceEntry>> findAll(String userId, Collection<String> deviceIds) {
        if (deviceIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        List<String> ids = List.copyOf(deviceIds);
        List<String> args = new ArrayList<>(ids.size() + 2);
        args.add(READ_ALL);
        args.add(Integer.toString(ids.size()));
        ids.forEach(deviceId -> args.add(PresenceEntry.key(userId, deviceId)));
        return redis.execute("EVAL", args.toArray(String[]::new)).chain(response -> {
            Map<String, PresenceEntry> found = new HashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                parse(userId, ids.get(i), response.get(i)).ifPresent(entry -> found.put(entry.deviceId(), entry));
            }
            return liveness.live(found);
        });
    }

    /**
     * An HMGET of {@link #FIELDS} as an entry, if it is a complete entry of this device. An HMGET
     * without the last field ({@code epoch}) reads as an entry without a run.
     */
    public static Optional<PresenceEntry> parse(String userId, String deviceId, Response fields) {
        if (fields == null || fields.size() < FIELDS.length - 1) {
            return Optional.empty();
        }
        String[] values = new String[FIELDS.length];
        for (int i = 0; i < Math.min(FIELDS.length, fields.size()); i++) {
            Response value = fields.get(i);
            values[i] = value == null ? null : value.toString();
        }
        return parse(userId, deviceId, values);
    }

    /** An entry only counts when it is complete and is the one asked for; anything else is offline. */
    static Optional<PresenceEntry> parse(String userId, String deviceId, String[] values) {
        if (values[0] == null || !userId.equals(values[0]) || !deviceId.equals(values[1]) || values[2] == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new PresenceEntry(values[0], values[1], values[2], Integer.parseInt(values[3]),
                    Long.parseLong(values[4]), values[5] == null ? "" : values[5]));
        } catch (RuntimeException malformed) {
            return Optional.empty(); // a half-written or foreign entry counts as offline
        }
    }
}
