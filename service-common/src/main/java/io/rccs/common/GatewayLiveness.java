package io.rccs.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.rccs.common.consumption.Failures;
import io.rccs.model.presence.GatewayRuns;
import io.rccs.model.presence.PresenceEntry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Response;

/**
 * Which run of each gateway index is alive ({@link GatewayRuns}), kept in memory: the alive keys of
 * the indexes seen so far are read again every second in one MGET, so deciding whether a presence
 * entry counts costs no Redis round trip. An entry of a run that this instance has never compared
 * with its alive key (a gateway just started, or this instance just started) costs one read, once:
 * a new run is not taken for a dead one until the next refresh.
 */
@ApplicationScoped
public class GatewayLiveness {

    /** How often the alive keys are read again: how long a dead run may still count as alive here. */
    static final Duration REFRESH = Duration.ofSeconds(1);
    /** Runs remembered as compared; past this the memory starts over (each run then costs one read again). */
    static final int MAX_JUDGED = 10_000;

    /** The live epoch of an index ("" for none) and which read saw it (a slower, older read must not win). */
    private record Alive(String epoch, long read) {
    }

    private final ReactiveRedisDataSource redis;
    private final Vertx vertx;
    private final long timer;
    private final Map<Integer, Alive> alive = new ConcurrentHashMap<>();
    /** Runs whose entries were seen before a read of their alive key started: not live means dead. */
    private final Set<String> judged = ConcurrentHashMap.newKeySet();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicBoolean refreshing = new AtomicBoolean();

    public GatewayLiveness(ReactiveRedisDataSource redis, Vertx vertx) {
        this.redis = redis;
        this.vertx = vertx;
        this.timer = vertx.setPeriodic(REFRESH.toMillis(), ignored -> refresh());
    }

    @PreDestroy
    void stop() {
        vertx.cancelTimer(timer);
    }

    /**
     * Whether the entry's connection is on a live gateway run, as last read: an entry without an
     * epoch (a gateway from before runs) always is; one of a run that is not its index's live run is not.
     */
    public boolean isLive(PresenceEntry entry) {
        if (entry.epoch().isEmpty()) {
            return true;
        }
        Alive current = alive.get(entry.gateway());
        return current != null && current.epoch().equals(entry.epoch());
    }

    /** The live ones among {@code entries} (by device id); reads the alive keys first only for a run not compared yet. */
    public Uni<Map<String, PresenceEntry>> live(Map<String, PresenceEntry> entries) {
        Set<Integer> unread = null;
        List<String> runs = null;
        for (PresenceEntry entry : entries.values()) {
            String run = GatewayRuns.run(entry.gateway(), entry.epoch());
            if (!isLive(entry) && !judged.contains(run)) {
                if (unread == null) {
                    unread = new HashSet<>();
                    runs = new ArrayList<>();
                }
                unread.add(entry.gateway());
                runs.add(run);
            }
        }
        if (unread == null) {
            return Uni.createFrom().item(onlyLive(entries));
        }
        List<String> compared = runs;
        return read(unread).invoke(() -> remember(compared))
                .map(ignored -> onlyLive(entries))
                .onFailure().recoverWithItem(failure -> {
                    // the entries were just read, so Redis answers; should this read fail, count them as before runs existed
                    Log.debugf("alive keys not read, presence taken as it is: %s", Failures.describe(failure));
                    return entries;
                });
    }

    private Map<String, PresenceEntry> onlyLive(Map<String, PresenceEntry> entries) {
        Map<String, PresenceEntry> live = new HashMap<>(entries.size() * 2);
        entries.forEach((deviceId, entry) -> {
            if (isLive(entry)) {
                live.put(deviceId, entry);
            }
        });
        return live;
    }

    private void remember(List<String> runs) {
        if (judged.size() > MAX_JUDGED) {
            judged.clear();
        }
        judged.addAll(runs);
    }

    private void refresh() {
        if (!alive.isEmpty()) {
            Periodic.runOnce(refreshing, "refresh of the gateways' alive keys", () -> read(List.copyOf(alive.keySet())));
        }
    }

    /**
     * Reads the alive keys of these gateway indexes now (one MGET), remembers them, and returns the
     * epoch each holds (an index whose key is missing is absent): what the relay's sweep judges runs by.
     */
    public Uni<Map<Integer, String>> holders(Collection<Integer> indexes) {
        return read(indexes).map(read -> {
            Map<Integer, String> holders = new java.util.HashMap<>();
            read.forEach((index, epoch) -> {
                if (!epoch.isEmpty()) {
                    holders.put(index, epoch);
                }
            });
            return holders;
        });
    }

    /** One MGET of the alive keys of these indexes: index to epoch, "" for a missing key. */
    private Uni<Map<Integer, String>> read(Collection<Integer> indexes) {
        long read = reads.incrementAndGet();
        List<Integer> asked = List.copyOf(indexes);
        String[] keys = asked.stream().map(GatewayRuns::aliveKey).toArray(String[]::new);
        return redis.execute("MGET", keys).map(response -> {
            Map<Integer, String> epochs = new java.util.HashMap<>();
            for (int i = 0; i < asked.size(); i++) {
                Response value = response.get(i);
                Alive seen = new Alive(value == null ? "" : value.toString(), read);
                alive.merge(asked.get(i), seen, (old, now) -> old.read() > now.read() ? old : now);
                epochs.put(asked.get(i), seen.epoch());
            }
            return epochs;
        });
    }
}
