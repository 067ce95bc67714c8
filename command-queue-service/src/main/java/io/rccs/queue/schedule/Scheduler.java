package io.rccs.queue.schedule;

import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rccs.common.consumption.Failures;
import io.rccs.queue.QueueConfig;
import io.rccs.queue.command.CommandStore;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Every replica polls for due commands (not_before reached, retry backoff over, ack deadline passed,
 * TTL over) and claims them with FOR UPDATE SKIP LOCKED: no command is handled by two replicas, and
 * a replica never waits for another's rows, so the work spreads over the replicas that have time. A
 * full batch is followed by the next at once.
 * <p>
 * A Vert.x timer, not {@code @Scheduled}: Quarkus' scheduler checks its timers once a second, and
 * the poll is finer than that (250 ms; retries and expiry are due to the poll).
 */
@ApplicationScoped
public class Scheduler {

    private final CommandStore store;
    private final QueueConfig config;
    private final Vertx vertx;
    private final AtomicBoolean polling = new AtomicBoolean();
    private long timer = -1;

    public Scheduler(CommandStore store, QueueConfig config, Vertx vertx) {
        this.store = store;
        this.config = config;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent started) {
        timer = vertx.setPeriodic(config.schedulerPoll().toMillis(), ignored -> {
            if (polling.compareAndSet(false, true)) { // one round at a time
                poll().subscribe().with(done -> polling.set(false), failure -> polling.set(false));
            }
        });
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    Uni<Void> poll() {
        return rounds().onFailure().recoverWithItem(failure -> {
            Log.warnf("scheduler round failed, the next poll retries: %s", Failures.describe(failure));
            return null;
        });
    }

    private Uni<Void> rounds() {
        return store.schedule().chain(claimed -> claimed == config.schedulerBatch() ? rounds() : Uni.createFrom().voidItem());
    }
}
