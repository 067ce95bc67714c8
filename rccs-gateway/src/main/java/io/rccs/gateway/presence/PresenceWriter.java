package io.rccs.gateway.presence;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.rccs.common.PresenceReader;
import io.rccs.gateway.GatewayConfig;
import io.rccs.gateway.connection.DeviceConnection;
import io.rccs.gateway.connection.LocalConnections;
import io.rccs.model.presence.PresenceEntry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * Keeps this instance's devices in Redis presence. Each entry expires after two heartbeat
 * intervals unless refreshed, so the devices of a gateway that dies vanish on their own.
 */
@ApplicationScoped
public class PresenceWriter {

    // delete only if the entry is still this connection's: a newer connection of the device may own it now
    private static final String DELETE_IF_OWNED = """
            if redis.call('HGET', KEYS[1], 'connectionId') == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0""";

    private final ReactiveRedisDataSource redis;
    private final PresenceReader reader;
    private final LocalConnections connections;
    private final GatewayConfig config;
    private final Duration ttl;

    public PresenceWriter(ReactiveRedisDataSource redis, PresenceReader reader, LocalConnections connections,
            GatewayConfig config, Vertx vertx) {
        this.redis = redis;
        this.reader = reader;
        this.connections = connections;
        this.config = config;
        this.ttl = config.heartbeat().multipliedBy(2);
        vertx.setPeriodic(ttl.toMillis() / 3, ignored -> refreshAll());
    }

    /** Writes the device's entry and returns the one it replaced (maybe on another gateway). */
    public Uni<Optional<PresenceEntry>> online(DeviceConnection connection) {
        String key = PresenceEntry.key(connection.userId(), connection.deviceId());
        Map<String, String> fields = Map.of(
                "userId", connection.userId(),
                "deviceId", connection.deviceId(),
                "connectionId", connection.connectionId(),
                "gateway", Integer.toString(config.instance()),
                "since", Long.toString(System.currentTimeMillis()));
        return reader.find(connection.userId(), connection.deviceId())
                .call(() -> redis.hash(String.class).hset(key, fields))
                .call(() -> redis.key().pexpire(key, ttl));
    }

    public Uni<Void> offline(DeviceConnection connection) {
        String key = PresenceEntry.key(connection.userId(), connection.deviceId());
        return redis.execute("EVAL", DELETE_IF_OWNED, "1", key, connection.connectionId()).replaceWithVoid();
    }

    private void refreshAll() {
        for (DeviceConnection connection : connections.devices()) {
            redis.key().pexpire(PresenceEntry.key(connection.userId(), connection.deviceId()), ttl)
                    .subscribe().with(ignored -> {
                    }, failure -> Log.warnf("presence refresh of %s failed: %s", connection.deviceId(), failure.getMessage()));
        }
    }
}
