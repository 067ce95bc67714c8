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

    /**
     * Runs {@code step} for each item, one after the other (the next starts when the one before
     * completed), failing at the first failure. A stream rather than a fold of {@code chain()} calls:
     * a fold nests one operator per item, and hundreds of items overflow the stack when subscribed.
     */
    public static <T> Uni<Void> inSequence(java.util.List<T> items, java.util.function.Function<T, Uni<?>> step) {
        return io.smallrye.mutiny.Multi.createFrom().iterable(items)
                .onItem().transformToUniAndConcatenate(item -> step.apply(item).replaceWith(Boolean.TRUE))
                .collect().last().replaceWithVoid();
    }
}
