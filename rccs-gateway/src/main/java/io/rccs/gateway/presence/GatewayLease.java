package io.rccs.gateway.presence;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.common.annotation.Identifier;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.rccs.gateway.GatewayConfig;
import io.rccs.model.events.Topics;
import io.rccs.model.presence.GatewayRuns;
import io.smallrye.mutiny.Uni;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;

/**
 * This gateway run's claim on its index ({@link GatewayRuns}): a random epoch, the alive key that
 * holds it for one heartbeat interval at a time, and its member of the runs set. A run that stops
 * refreshing (kill -9, a lost node) is recognised by the relay, which reports its devices offline.
 * Taking the index also checks it: below the partition count of rccs.deliveries, and not held by
 * another live gateway.
 */
@ApplicationScoped
public class GatewayLease {

    // keeps the claim, or takes it back after a Redis restart; 0 when another run holds the index
    private static final String REFRESH = """
            local holder = redis.call('GET', KEYS[1])
            if holder and holder ~= ARGV[1] then
              return 0
            end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            redis.call('SADD', KEYS[2], ARGV[3])
            return 1""";

    // a stop: the index is free at once; the run leaves the set only when nothing of it is left to sweep
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('DEL', KEYS[1])
            end
            if ARGV[3] == '1' then
              redis.call('SREM', KEYS[2], ARGV[2])
            end
            return 1""";

    /** Quarkus' key for a TLS registry configuration ({@code kafka.tls-configuration-name}). */
    static final String TLS_CONFIGURATION_NAME = "tls-configuration-name";

    private final String epoch = UUID.randomUUID().toString();
    private final GatewayConfig config;
    private final ReactiveRedisDataSource redis;
    private final RedisDataSource blockingRedis;
    /** The admin client's settings: the broker settings every channel uses (security included). */
    private final Map<String, Object> adminConfig;
    private volatile boolean held;
    /** Set on a clean stop: the refresh must not take the index back. */
    private volatile boolean released;

    public GatewayLease(GatewayConfig config, ReactiveRedisDataSource redis, RedisDataSource blockingRedis,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaBroker) {
        this.config = config;
        this.redis = redis;
        this.blockingRedis = blockingRedis;
        this.adminConfig = adminConfig(kafkaBroker, bootstrapServers);
    }

    /**
     * The {@code kafka.*} settings the channels share (a TLS or SASL listener's among them) that an admin
     * client knows, so the partition check reaches the broker the way the channels do.
     */
    static Map<String, Object> adminConfig(Map<String, Object> kafkaBroker, String bootstrapServers) {
        Map<String, Object> admin = new HashMap<>();
        kafkaBroker.forEach((key, value) -> {
            // the TLS registry's name goes with the SSL engine factory Quarkus puts in for it
            if (AdminClientConfig.configNames().contains(key) || TLS_CONFIGURATION_NAME.equals(key)) {
                admin.put(key, value);
            }
        });
        admin.putIfAbsent(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        return admin;
    }

    /** This run's epoch: written into every presence entry it makes. */
    public String epoch() {
        return epoch;
    }

    /** Whether this run let go of its index (it is stopping). */
    public boolean released() {
        return released;
    }

    /** Whether this run holds its index (it was taken at start and no other run took it since). */
    public boolean held() {
        return held;
    }

    /** How long the alive key lives without a refresh: half a heartbeat interval. */
    public Duration ttl() {
        return config.heartbeat().dividedBy(2);
    }

    /** How often the alive key is refreshed: three times per {@link #ttl()}. */
    public Duration refreshInterval() {
        return ttl().dividedBy(3);
    }

    /**
     * Takes the index at start, or fails the start: an index past the partition count would read
     * nothing meant for it, and two gateways on one index would steal each other's deliveries. The
     * alive key of a run that died lapses within {@link #ttl()}, so a quick restart waits for it.
     * Redis or Kafka not answering yet is waited for (up to a minute), not a reason to fail.
     */
    void acquire() {
        checkPartitions();
        String key = GatewayRuns.aliveKey(config.instance());
        long heldDeadline = System.nanoTime() + ttl().plusSeconds(2).toNanos();
        long errorDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                long result = blockingRedis.execute("EVAL", REFRESH, "2", key, GatewayRuns.RUNS, epoch,
                        Long.toString(ttl().toMillis()), GatewayRuns.run(config.instance(), epoch)).toLong();
                if (result == 1) {
                    held = true;
                    Log.infof("gateway %d runs as epoch %s", config.instance(), epoch);
                    return;
                }
                if (System.nanoTime() > heldDeadline) {
                    throw new IllegalStateException("gateway index " + config.instance() + " is held by another running gateway ("
                            + key + "): give each gateway its own rccs.gateway.instance");
                }
            } catch (IllegalStateException conflict) {
                throw conflict;
            } catch (RuntimeException redisDown) {
                if (System.nanoTime() > errorDeadline) {
                    throw new IllegalStateException("Redis did not answer within 60 s: " + redisDown.getMessage(), redisDown);
                }
                Log.warnf("taking gateway index %d: Redis not answering yet (%s)", config.instance(), redisDown.getMessage());
            }
            sleep(Duration.ofMillis(500));
        }
    }

    private void checkPartitions() {
        try (Admin admin = Admin.create(adminConfig)) {
            int partitions = admin.describeTopics(java.util.List.of(Topics.DELIVERIES)).allTopicNames()
                    .get(90, TimeUnit.SECONDS).get(Topics.DELIVERIES).partitions().size();
            if (config.instance() < 0 || config.instance() >= partitions) {
                throw new IllegalStateException("rccs.gateway.instance=" + config.instance() + " but " + Topics.DELIVERIES + " has "
                        + partitions + " partitions: the index must be below that (one partition per gateway)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the partitions of " + Topics.DELIVERIES, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not read the partitions of " + Topics.DELIVERIES + ": " + e.getMessage(), e);
        }
    }

    /**
     * Keeps the claim for another {@link #ttl()}, or takes it back after a Redis restart; false when
     * another run took the index (a failure when Redis does not answer).
     */
    Uni<Boolean> refresh() {
        if (released) {
            return Uni.createFrom().item(false);
        }
        return redis.execute("EVAL", REFRESH, "2", GatewayRuns.aliveKey(config.instance()), GatewayRuns.RUNS, epoch,
                Long.toString(ttl().toMillis()), GatewayRuns.run(config.instance(), epoch))
                .map(result -> {
                    boolean kept = result.toLong() == 1;
                    if (held && !kept) {
                        Log.errorf("gateway index %d was taken by another gateway: this one is not ready any more", config.instance());
                    }
                    held = kept;
                    return kept;
                });
    }

    /**
     * A stop: the index is let go. When every connection's close was published ({@code clean}) the run
     * leaves the set too; otherwise it stays, and the relay's sweep reports the rest offline.
     */
    public void release(boolean clean) {
        released = true;
        try {
            blockingRedis.execute("EVAL", RELEASE, "2", GatewayRuns.aliveKey(config.instance()), GatewayRuns.RUNS, epoch,
                    GatewayRuns.run(config.instance(), epoch), clean ? "1" : "0");
        } catch (RuntimeException e) {
            Log.warnf("could not release gateway index %d: %s (its run lapses on its own)", config.instance(), e.getMessage());
        }
        held = false;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the gateway index", e);
        }
    }
}
