package io.rccs.common;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.quarkus.logging.Log;
import io.rccs.common.consumption.Failures;
import io.smallrye.mutiny.Uni;

/** Periodic work of a service (maintenance sweeps, refreshes): one run at a time, a failure left to the next run. */
public final class Periodic {

    private Periodic() {
    }

    /** Starts {@code work} unless its previous run is still going ({@code running}); logs a failure. */
    public static void runOnce(AtomicBoolean running, String what, Supplier<Uni<?>> work) {
        if (!running.compareAndSet(false, true)) {
            return; // the previous run is still going
        }
        Uni.createFrom().deferred(work).eventually(() -> running.set(false)).subscribe().with(ignored -> {
        }, failure -> Log.warnf("%s failed (the next run retries): %s", what, Failures.describe(failure)));
    }
}
