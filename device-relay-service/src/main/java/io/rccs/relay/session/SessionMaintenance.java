package io.rccs.relay.session;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.rccs.common.consumption.Failures;
import io.rccs.common.consumption.Contexts;
import io.rccs.common.Periodic;
import io.rccs.relay.RelayConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * The session timers, on every relay instance: lapsed handoff offers, due failovers, and session
 * events the broker may not have (a relay that stopped between a change's commit and its publish).
 * Failovers are claimed ({@code FOR UPDATE SKIP LOCKED}), so one instance tries each; a lapsed offer
 * is locked and checked again before it is withdrawn, so it is withdrawn once. A run still going
 * when the next is due is not overlapped.
 */
@ApplicationScoped
public class SessionMaintenance {

    /** Sessions one run looks at, per kind of work. */
    static final int BATCH = 50;
    /** Events one run publishes again at most. */
    static final int REPUBLISH_BATCH = 200;
    /** A change's event is published by the frame that made it; only one this old and unmarked is the sweep's. */
    static final Duration REPUBLISH_AFTER = Duration.ofSeconds(5);
    /** Logged changes one trim removes at most. */
    static final int TRIM_CHUNK = 5000;

    private final Handoffs handoffs;
    private final Failover failover;
    private final SessionStore store;
    private final SessionChanges changes;
    private final RelayConfig.Sessions config;
    private final Vertx vertx;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final AtomicBoolean trimming = new AtomicBoolean();

    public SessionMaintenance(Handoffs handoffs, Failover failover, SessionStore store, SessionChanges changes,
            RelayConfig config, Vertx vertx) {
        this.handoffs = handoffs;
        this.failover = failover;
        this.store = store;
        this.changes = changes;
        this.config = config.sessions();
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent started) {
        vertx.setPeriodic(config.sweepInterval().toMillis(), ignored -> Periodic.runOnce(sweeping, "session sweep", this::sweep));
        vertx.setPeriodic(Duration.ofMinutes(1).toMillis(), ignored -> Periodic.runOnce(trimming, "session change-log trim",
                () -> store.trimChanges(config.changeRetention(), TRIM_CHUNK)
                        .chain(() -> store.purgeClosed(config.closedRetention(), TRIM_CHUNK))));
    }

    /** Each kind of work on its own: one that fails (and is tried again next run) does not hold up the others. */
    Uni<Void> sweep() {
        return alone("handoff expiry", () -> handoffs.expire(BATCH))
                .chain(() -> alone("failover", () -> failover.run(BATCH)))
                .chain(() -> alone("event republish", this::republish));
    }

    private static Uni<Void> alone(String what, Supplier<Uni<?>> work) {
        return Uni.createFrom().deferred(work).replaceWithVoid().onFailure().recoverWithItem(failure -> {
            Log.warnf("session %s failed (the next run retries): %s", what, Failures.describe(failure));
            return null;
        });
    }

    /**
     * Publishes, in version order per session, the events left unmarked; each is marked once the
     * broker has it. Not claimed: two instances may both publish one (at least once; consumers pass
     * over a version they have).
     */
    Uni<Void> republish() {
        return store.unpublished(REPUBLISH_AFTER, REPUBLISH_BATCH).chain(found -> Contexts.inSequence(found,
                change -> changes.publishAndMark(change.sessionId(), change.version(), change.event())));
    }
}
