package io.rccs.relay.device;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rccs.common.Channels;
import io.rccs.common.DeliverySender;
import io.rccs.common.EventPublisher;
import io.rccs.common.GatewayLiveness;
import io.rccs.common.consumption.Contexts;
import io.rccs.common.consumption.Failures;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.presence.GatewayRuns;
import io.rccs.model.presence.PresenceEntry;
import io.rccs.common.Periodic;
import io.rccs.relay.RelayConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.tuples.Tuple2;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Response;

/**
 * Reports the devices of a gateway that died offline (a kill, a lost node: no close was published).
 * Every {@code gateway-sweep}, on every relay instance, the runs of {@link GatewayRuns#RUNS} are
 * compared with their alive keys; a run whose key no longer holds its epoch is dead. One instance at
 * a time sweeps it (a lock in Redis): it scans the presence entries for the run's, and for each
 * publishes on rccs.frames.in, keyed by user, the {@link ConnectionClosed} (1006) the gateway would
 * have published, so the relay's own consumer handles it durably and in the user's order
 * ({@link DeviceLifecycle#closed}: device.offline, presence frames, failover); then it removes the
 * entry if it is still that connection's. When the scan is through, the run leaves the set. A sweep
 * repeated (a crash, a lapsed lock, a second instance) publishes a close again, which ends the same way.
 */
@ApplicationScoped
public class GatewaySweep {

    /** Presence keys one SCAN step asks for. */
    static final int SCAN_COUNT = 1000;
    /** {@code rccs:gateway-sweep:<index>:<epoch>}: the instance sweeping that run. */
    static final String LOCK_PREFIX = "rccs:gateway-sweep:";
    /** The close code of a connection that ended without a close frame (RFC 6455). */
    static final int ABNORMAL_CLOSE = 1006;
    /** The closes one sweep may have handed to the producer at once (a scan page's, at most). */
    static final int MAX_QUEUED = 16_384;

    // remove the entry only if it is still the swept connection's (the device may have reconnected)
    private static final String DELETE_IF_STILL = """
            if redis.call('HGET', KEYS[1], 'connectionId') == ARGV[1] and redis.call('HGET', KEYS[1], 'epoch') == ARGV[2] then
              return redis.call('DEL', KEYS[1])
            end
            return 0""";

    private static final String UNLOCK = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0""";

    private final ReactiveRedisDataSource redis;
    private final GatewayLiveness liveness;
    private final MutinyEmitter<String> framesIn;
    private final RelayConfig config;
    private final Vertx vertx;
    private final Duration lockTtl;
    private final String owner = UUID.randomUUID().toString();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** When each run's alive key was first seen missing (nanoTime), while it stays missing. */
    private final java.util.Map<String, Long> missingSince = new java.util.concurrent.ConcurrentHashMap<>();
    private final Duration missingGrace;
    private final Counter closed;
    private long timer = -1;

    public GatewaySweep(ReactiveRedisDataSource redis, GatewayLiveness liveness,
            @Channel(Channels.FRAMES_IN_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = MAX_QUEUED) MutinyEmitter<String> framesIn,
            RelayConfig config, Vertx vertx, MeterRegistry metrics) {
        this.redis = redis;
        this.liveness = liveness;
        this.framesIn = framesIn;
        this.config = config;
        this.vertx = vertx;
        // long enough for a large scan; a sweep that outlives it may be repeated by another instance (harmless)
        this.lockTtl = config.heartbeat().multipliedBy(2);
        // the gateway's alive key lives half a heartbeat (GatewayLease.ttl)
        this.missingGrace = config.heartbeat().dividedBy(2);
        this.closed = metrics.counter("rccs_gateway_sweep_closed_total");
    }

    void start(@Observes StartupEvent started) {
        timer = vertx.setPeriodic(config.gatewaySweep().toMillis(), ignored -> Periodic.runOnce(sweeping, "dead gateway sweep", this::sweep));
    }

    void stop(@Observes ShutdownEvent stopping) {
        vertx.cancelTimer(timer); // the Redis client closes with the app: no sweep after it
    }

    /** Sweeps the dead runs, one after the other; returns how many left the set. */
    Uni<Integer> sweep() {
        return redis.execute("SMEMBERS", GatewayRuns.RUNS).chain(members -> {
            List<String> runs = new ArrayList<>();
            for (int i = 0; members != null && i < members.size(); i++) {
                String run = members.get(i).toString();
                if (wellFormed(run)) {
                    runs.add(run);
                }
            }
            if (runs.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            AtomicInteger swept = new AtomicInteger();
            return dead(runs).chain(dead -> Contexts.inSequence(dead, run -> sweepRun(run).invoke(done -> {
                if (done) {
                    swept.incrementAndGet();
                }
            }))).map(ignored -> swept.get());
        });
    }

    private static boolean wellFormed(String run) {
        try {
            GatewayRuns.gatewayOf(run);
            return !GatewayRuns.epochOf(run).isEmpty();
        } catch (RuntimeException malformed) {
            return false; // not a run this relay knows how to judge: left alone
        }
    }

    /**
     * The dead runs, from one MGET of the alive keys. A run whose index another run holds now is dead.
     * A run whose alive key is merely missing is dead only once it has been missing for the key's
     * whole lifetime (half a heartbeat) across sweeps: after a Redis restart the key is gone until the
     * live gateway's next lease refresh (a sixth of a heartbeat), and its devices must not be
     * reported offline meanwhile.
     */
    private Uni<List<String>> dead(List<String> runs) {
        return liveness.holders(new LinkedHashSet<>(runs.stream().map(GatewayRuns::gatewayOf).toList())).map(holders -> {
            long now = System.nanoTime();
            List<String> dead = new ArrayList<>();
            for (String run : runs) {
                String holder = holders.get(GatewayRuns.gatewayOf(run));
                if (GatewayRuns.epochOf(run).equals(holder)) {
                    missingSince.remove(run);
                } else if (holder != null) {
                    dead.add(run); // a newer run took the index: this one is over
                } else if (now - missingSince.computeIfAbsent(run, ignored -> now) >= missingGrace.toNanos()) {
                    dead.add(run);
                }
            }
            missingSince.keySet().retainAll(runs);
            return dead;
        });
    }

    /** Sweeps one dead run unless another instance does; true when the run left the set. */
    private Uni<Boolean> sweepRun(String run) {
        String lock = LOCK_PREFIX + run;
        return redis.execute("SET", lock, owner, "NX", "PX", Long.toString(lockTtl.toMillis())).chain(taken -> {
            if (taken == null) {
                return Uni.createFrom().item(false); // another instance sweeps it
            }
            int gateway = GatewayRuns.gatewayOf(run);
            String epoch = GatewayRuns.epochOf(run);
            AtomicInteger count = new AtomicInteger();
            return closeAll(gateway, epoch, count)
                    .chain(() -> forget(run))
                    .invoke(removed -> {
                        if (removed) {
                            Log.infof("gateway run %s is dead: %d of its connections reported closed", run, count.get());
                        }
                    })
                    .eventually(() -> redis.execute("EVAL", UNLOCK, "1", lock, owner));
        }).onFailure().recoverWithItem(failure -> {
            Log.warnf("sweep of dead gateway run %s failed (the next sweep retries): %s", run, Failures.describe(failure));
            return false;
        });
    }

    /** Removes the run from the set, unless its alive key holds its epoch again (a run that was only starting). */
    private Uni<Boolean> forget(String run) {
        return redis.execute("GET", GatewayRuns.aliveKey(GatewayRuns.gatewayOf(run))).chain(alive -> {
            if (alive != null && alive.toString().equals(GatewayRuns.epochOf(run))) {
                return Uni.createFrom().item(false);
            }
            return redis.execute("SREM", GatewayRuns.RUNS, run).replaceWith(true);
        });
    }

    /** Scans every presence entry, a page at a time, and closes those of the run. */
    private Uni<Void> closeAll(int gateway, String epoch, AtomicInteger count) {
        AtomicReference<String> cursor = new AtomicReference<>("0");
        return Multi.createBy().repeating()
                .uni(() -> redis.execute("SCAN", cursor.get(), "MATCH", PresenceEntry.KEY_PREFIX + "*", "COUNT",
                        Integer.toString(SCAN_COUNT))
                        .chain(page -> {
                            cursor.set(page.get(0).toString());
                            Response keys = page.get(1);
                            List<String> found = new ArrayList<>(keys.size());
                            for (int i = 0; i < keys.size(); i++) {
                                found.add(keys.get(i).toString());
                            }
                            return closeOfRun(found, gateway, epoch, count);
                        })
                        .map(ignored -> !"0".equals(cursor.get())))
                .whilst(more -> more)
                .collect().last().replaceWithVoid();
    }

    /** Reads the entries of one page (all at once, pipelined) and closes those of the run. */
    private Uni<Void> closeOfRun(List<String> keys, int gateway, String epoch, AtomicInteger count) {
        if (keys.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Tuple2<String, Response>>> reads = new ArrayList<>(keys.size());
        for (String key : keys) {
            reads.add(redis.execute("HMGET", key, "userId", "deviceId", "connectionId", "gateway", "epoch")
                    .map(fields -> Tuple2.of(key, fields)));
        }
        return Uni.join().all(reads).andFailFast().chain(entries -> {
            List<Uni<Void>> closes = new ArrayList<>();
            String gatewayText = Integer.toString(gateway);
            for (Tuple2<String, Response> entry : entries) {
                Response fields = entry.getItem2();
                if (fields == null || fields.size() < 5 || fields.get(0) == null || fields.get(1) == null || fields.get(2) == null
                        || !gatewayText.equals(text(fields.get(3))) || !epoch.equals(text(fields.get(4)))) {
                    continue; // another run's entry, a tombstone or half an entry
                }
                closes.add(close(entry.getItem1(), new ConnectionClosed(fields.get(0).toString(), fields.get(1).toString(),
                        fields.get(2).toString(), gateway, ABNORMAL_CLOSE), epoch));
            }
            count.addAndGet(closes.size());
            return DeliverySender.all(closes);
        });
    }

    private static String text(Response value) {
        return value == null ? null : value.toString();
    }

    /** Publishes the close as the gateway would have (InboundPublisher.closed), then removes the entry if still its. */
    private Uni<Void> close(String key, ConnectionClosed data, String epoch) {
        return EventPublisher.publish(framesIn, data.userId(),
                CloudEvent.of(EventTypes.CONNECTION_CLOSED, "/device-relay-service", data.userId(), data),
                Topics.FRAME_TYPE_HEADER, Topics.CONNECTION_CLOSED_TYPE)
                .invoke(() -> closed.increment())
                .chain(() -> redis.execute("EVAL", DELETE_IF_STILL, "1", key, data.connectionId(), epoch))
                .replaceWithVoid();
    }
}
