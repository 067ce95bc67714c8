package io.rccs.bench;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/** The few thread helpers the benchmarks share. */
final class BenchThreads {

    /** Users set up at once: enough to overlap round trips, few enough not to flood Keycloak and the gateways. */
    static final int CONNECT_PARALLELISM = 8;

    private BenchThreads() {
    }

    /** Runs the action for every item, {@link #CONNECT_PARALLELISM} at a time; the first failure is thrown. */
    static <T> void inParallel(List<T> items, Consumer<T> action, String what) {
        inParallel(items, action, what, CONNECT_PARALLELISM);
    }

    /** Runs the action for every item, {@code parallelism} at a time; the first failure is thrown. */
    static <T> void inParallel(List<T> items, Consumer<T> action, String what, int parallelism) {
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(parallelism, daemon("bench-" + what));
        try {
            List<Future<?>> pending = items.stream().<Future<?>>map(item -> pool.submit(() -> action.accept(item))).toList();
            for (Future<?> running : pending) {
                running.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof BenchException bench ? bench : new BenchException("cannot " + what + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted (" + what + ")", e);
        } finally {
            pool.shutdownNow();
        }
        System.out.printf(Locale.ROOT, "  done in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }

    /** A moment for the close frames to go out, so the gateways see clean closes rather than resets. */
    static void lingerForCloseFrames() {
        pause(300);
    }
}
