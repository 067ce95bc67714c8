package io.rccs.common;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.rccs.model.presence.PresenceEntry;
import io.smallrye.mutiny.Uni;

/** Reads where a device is connected from the presence entries the gateways keep in Redis. */
@ApplicationScoped
public class PresenceReader {

    /** Lookups one fan-out (a user's devices) may have in flight: a user has 20 devices or more. */
    public static final int MAX_CONCURRENT_LOOKUPS = 8;

    private final ReactiveHashCommands<String, String, String> hashes;

    public PresenceReader(ReactiveRedisDataSource redis) {
        this.hashes = redis.hash(String.class);
    }

    public Uni<Optional<PresenceEntry>> find(String userId, String deviceId) {
        return hashes.hgetall(PresenceEntry.key(userId, deviceId)).map(PresenceReader::parse);
    }

    static Optional<PresenceEntry> parse(Map<String, String> fields) {
        if (fields == null || fields.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new PresenceEntry(fields.get("userId"), fields.get("deviceId"), fields.get("connectionId"),
                    Integer.parseInt(fields.get("gateway")), Long.parseLong(fields.get("since"))));
        } catch (RuntimeException malformed) {
            return Optional.empty(); // a half-written or foreign entry counts as offline
        }
    }
}
