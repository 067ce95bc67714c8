package io.rccs.queue.command;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rccs.common.Periodic;
import io.rccs.queue.QueueConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The queue's depth as gauges: the open commands (QUEUED, DISPATCHED) by status and the outbox
 * entries not yet published, counted from the database by one periodic query. The counters of
 * transitions cannot give it (a restart forgets them, and every replica sees only its own), and a
 * count per command would cost a query per frame. Every replica reports the whole queue: aggregate
 * with {@code max}, not {@code sum}.
 */
@ApplicationScoped
public class OpenCommands {

    /**
     * Only the open statuses, which the partial indexes cover: DELIVERED waits for a result without
     * an index, and counting it would read the whole table.
     */
    private static final String COUNT = """
            SELECT status, count(*) FROM queue.command WHERE status IN ('QUEUED', 'DISPATCHED') GROUP BY status
            UNION ALL SELECT 'outbox', count(*) FROM queue.outbox""";

    private final Pool pool;
    private final QueueConfig config;
    private final Vertx vertx;
    private final Map<CommandStatus, AtomicLong> open = new EnumMap<>(CommandStatus.class);
    private final AtomicLong outbox = new AtomicLong();
    private final AtomicBoolean counting = new AtomicBoolean();
    private long timer = -1;

    public OpenCommands(Pool pool, QueueConfig config, Vertx vertx, MeterRegistry metrics) {
        this.pool = pool;
        this.config = config;
        this.vertx = vertx;
        for (CommandStatus status : CommandStatus.values()) {
            if (status.open()) {
                AtomicLong count = new AtomicLong();
                open.put(status, count);
                Gauge.builder("rccs_commands_open", count, AtomicLong::get).tag("status", status.name())
                        .description("Commands in this open status, counted from the database every rccs.queue.open-count-interval")
                        .register(metrics);
            }
        }
        Gauge.builder("rccs_outbox_pending", outbox, AtomicLong::get)
                .description("Outbox entries written and not yet published to Kafka, counted every rccs.queue.open-count-interval")
                .register(metrics);
    }

    void start(@Observes StartupEvent started) {
        timer = vertx.setPeriodic(1, config.openCountInterval().toMillis(),
                ignored -> Periodic.runOnce(counting, "open commands count", this::count));
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    Uni<Void> count() {
        return pool.query(COUNT).execute().invoke(rows -> {
            Map<String, Long> counted = new HashMap<>();
            rows.forEach(row -> counted.put(row.getString(0), row.getLong(1)));
            // a status without a row has no command: 0, not the last count
            open.forEach((status, count) -> count.set(counted.getOrDefault(status.name(), 0L)));
            outbox.set(counted.getOrDefault("outbox", 0L));
        }).replaceWithVoid();
    }

    /** The last count of commands in {@code status} (tests). */
    long open(CommandStatus status) {
        return open.get(status).get();
    }

    long outbox() {
        return outbox.get();
    }
}
