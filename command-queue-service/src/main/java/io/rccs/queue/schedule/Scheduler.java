package io.rccs.queue.schedule;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.rccs.common.consumption.Failures;
import io.rccs.queue.QueueConfig;
import io.rccs.queue.command.CommandStore;
import io.smallrye.mutiny.Uni;

/**
 * Every replica polls for due commands (not_before reached, retry backoff over, ack deadline passed,
 * TTL over) and claims them with FOR UPDATE SKIP LOCKED: no command is handled by two replicas, and
 * a replica never waits for another's rows, so the work spreads over the replicas that have time. A
 * full batch is followed by the next at once.
 */
@ApplicationScoped
public class Scheduler {

    private final CommandStore store;
    private final QueueConfig config;

    public Scheduler(CommandStore store, QueueConfig config) {
        this.store = store;
        this.config = config;
    }

    @Scheduled(every = "${rccs.queue.scheduler-poll:250ms}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
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
