package io.rccs.common.consumption;

import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Runs a step on a given Vert.x context. A step may complete on another thread (a broker's
 * callback, a retry timer); what follows it, if it uses the reactive database clients, must run on
 * the consumer's own context again.
 */
public final class Contexts {

    private Contexts() {
    }

    public static <T> Uni<T> on(Context context, Supplier<Uni<? extends T>> work) {
        if (context == null) {
            return Uni.createFrom().<T>deferred(work);
        }
        return Uni.createFrom().<T>deferred(() -> Vertx.currentContext() == context ? work.get()
                : Uni.createFrom().<T>emitter(emitter -> context.runOnContext(ignored -> {
                    Uni<? extends T> step;
                    try {
                        step = work.get();
                    } catch (RuntimeException failure) {
                        emitter.fail(failure);
                        return;
                    }
                    step.subscribe().with(emitter::complete, emitter::fail);
                })));
    }
}
