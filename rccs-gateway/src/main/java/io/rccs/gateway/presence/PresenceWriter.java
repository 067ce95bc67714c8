package io.rccs.gateway.presence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.rccs.common.Periodic;
import io.rccs.common.PresenceReader;
import io.rccs.common.consumption.Failures;
import io.rccs.gateway.GatewayConfig;
import io.rccs.gateway.connection.DeviceConnection;
import io.rccs.gateway.connection.LocalConnections;
import io.rccs.model.presence.PresenceEntry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.CloseReason;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Keeps this instance's devices in Redis presence. Each entry expires after two heartbeat
 * intervals unless refreshed, so the devices of a gateway that dies vanish on their own. Every
 * write is one script, so no crash can leave an entry half-written or without its expiry, and a
 * refresh writes the whole entry again: after a Redis restart the devices come back by themselves.
 */
@ApplicationScoped
public class PresenceWriter {

    // returns the entry it replaces (maybe another gateway's connection of the same device)
    private static final String ONLINE = """
            local previous = redis.call('HMGET', KEYS[1], 'userId', 'deviceId', 'connectionId', 'gateway', 'since', 'epoch')
            redis.call('HSET', KEYS[1], 'userId', ARGV[1], 'deviceId', ARGV[2], 'connectionId', ARGV[3],
                       'gateway', ARGV[4], 'since', ARGV[5], 'epoch', ARGV[7])
            redis.call('PEXPIRE', KEYS[1], ARGV[6])
            return previous""";

    // rewrites the entry unless a newer connection of the device owns it now
    private static final String REFRESH = """
            local owner = redis.call('HGET', KEYS[1], 'connectionId')
            if owner and owner ~= ARGV[3] then
              return 0
            end
            redis.call('HSET', KEYS[1], 'userId', ARGV[1], 'deviceId', ARGV[2], 'connectionId', ARGV[3],
                       'gateway', ARGV[4], 'since', ARGV[5], 'epoch', ARGV[7])
            redis.call('PEXPIRE', KEYS[1], ARGV[6])
            return 1""";

    /** Entries refreshed in one round trip (a pipeline of scripts). */
    static final int REFRESH_BATCH = 500;

    // remove only if the entry is still this connection's (a newer connection of the device may own it
    // now); a short tombstone in its place keeps a refresh already on its way from bringing it back
    private static final String DELETE_IF_OWNED = """
            if redis.call('HGET', KEYS[1], 'connectionId') == ARGV[1] then
              redis.call('DEL', KEYS[1])
              redis.call('HSET', KEYS[1], 'connectionId', 'closed:' .. ARGV[1])
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return 1
            end
            return 0""";

    private final ReactiveRedisDataSource redis;
    private final LocalConnections connections;
    private final GatewayConfig config;
    private final GatewayLease lease;
    private final Vertx vertx;
    private final Duration ttl;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final AtomicBoolean leasing = new AtomicBoolean();

    public PresenceWriter(ReactiveRedisDataSource redis, LocalConnections connections, GatewayConfig config, GatewayLease lease,
            Vertx vertx) {
        this.redis = redis;
        this.connections = connections;
        this.config = config;
        this.lease = lease;
        this.vertx = vertx;
        this.ttl = config.heartbeat().multipliedBy(2);
    }

    /**
     * Takes this gateway's index, then keeps it and every entry alive: every third of a heartbeat
     * interval the lease, then all entries in pipelined batches (one round trip per
     * {@value #REFRESH_BATCH} connections, not one per connection).
     */
    void start(@Observes @Priority(1) StartupEvent started) {
        lease.acquire();
        // the lease on its own timer: a slow round of presence batches must not let the alive key lapse
        vertx.setPeriodic(lease.refreshInterval().toMillis(), ignored -> keepLease());
        vertx.setPeriodic(config.heartbeat().toMillis() / 3, ignored -> refreshAll());
    }

    /**
     * Refreshes the lease. When another gateway took the index (misconfigured, or after this one was
     * cut off from Redis), this run is dead for the services: its connections are closed (1012) so
     * the clients reconnect to a live gateway and announce themselves again.
     */
    private void keepLease() {
        boolean wasHeld = lease.held();
        Periodic.runOnce(leasing, "gateway lease refresh", () -> lease.refresh().invoke(kept -> {
            if (wasHeld && !kept && !lease.released()) {
                Log.errorf("gateway index %d was taken by another gateway: closing %d connections", config.instance(),
                        connections.all().size());
                for (DeviceConnection connection : connections.all()) {
                    connection.socket().close(new CloseReason(1012, "this gateway lost its index: reconnect"))
                            .subscribe().with(ignored -> {
                            }, failure -> {
                            });
                }
            }
        }));
    }

    /** Writes the device's entry and returns the one it replaced (maybe on another gateway). */
    public Uni<Optional<PresenceEntry>> online(DeviceConnection connection) {
        return write(ONLINE, connection).map(previous -> PresenceReader.parse(connection.userId(), connection.deviceId(), previous));
    }

    public Uni<Void> offline(DeviceConnection connection) {
        String key = PresenceEntry.key(connection.userId(), connection.deviceId());
        return redis.execute("EVAL", DELETE_IF_OWNED, "1", key, connection.connectionId(), Long.toString(ttl.toMillis()))
                .replaceWithVoid();
    }

    private Uni<Response> write(String script, DeviceConnection connection) {
        return redis.execute("EVAL", script(script, connection).toArray(String[]::new));
    }

    private List<String> script(String script, DeviceConnection connection) {
        return List.of(script, "1", PresenceEntry.key(connection.userId(), connection.deviceId()),
                connection.userId(), connection.deviceId(), connection.connectionId(), Integer.toString(config.instance()),
                Long.toString(connection.onlineSince()), Long.toString(ttl.toMillis()), lease.epoch());
    }

    /** All entries, a pipelined batch at a time; skipped while the previous round is on its way (Redis slow or away). */
    private void refreshAll() {
        List<DeviceConnection> all = List.copyOf(connections.devices());
        Periodic.runOnce(refreshing, "presence refresh", () -> Multi.createFrom().iterable(all)
                .group().intoLists().of(REFRESH_BATCH)
                .onItem().transformToUniAndConcatenate(this::refreshBatch)
                .collect().last());
    }

    private Uni<Void> refreshBatch(List<DeviceConnection> batch) {
        List<Request> requests = new ArrayList<>(batch.size());
        for (DeviceConnection connection : batch) {
            Request request = Request.cmd(Command.EVAL);
            script(REFRESH, connection).forEach(request::arg);
            requests.add(request);
        }
        return redis.getRedis().batch(requests)
                .onFailure().invoke(failure -> Log.debugf("presence refresh of %d entries failed: %s", batch.size(),
                        Failures.describe(failure)))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
