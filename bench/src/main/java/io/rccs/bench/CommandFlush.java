package io.rccs.bench;

import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.DevicesList;

/**
 * The flush part of {@code commands} (SPEC 6: "flush of 1,000 queued commands to a device that comes
 * online: <= 1 s, in priority order"), one run at a time on one user:
 * <ol>
 * <li>the desktop closes its socket, and the phone waits for the {@code presence offline} push and
 *     asks {@code devices.list} until the desktop is listed offline (no fixed pause);</li>
 * <li>the phone submits the commands, of the four priorities in a random mix, at a rate its
 *     connection may carry, and waits for every one's QUEUED status (a QUEUED not followed by
 *     DISPATCHED: the queue holds it for the offline desktop; any DISPATCHED is counted);</li>
 * <li>the desktop says hello again with its credential; measured: from sending that hello to the
 *     arrival of the last of the run's commands, and whether they came in delivery order (priority
 *     never rising, submit order within a priority);</li>
 * <li>the desktop answers every command (paced: acks first, then results) and the run ends when the
 *     phone has every SUCCEEDED, so the next run starts with an empty queue.</li>
 * </ol>
 */
final class CommandFlush {

    /** The logical bench user of the flush runs (separate from the latency users). */
    static final String USER = "bench-cmd-flush";

    private static final long PRESENCE_WAIT_SECONDS = 5;
    private static final long OFFLINE_WAIT_SECONDS = 15;
    private static final long QUEUED_WAIT_SECONDS = 30;
    private static final long ANSWER_WAIT_SECONDS = 30;

    private final CommandsOptions options;
    private final DeviceConnector connector;
    private final CommandTracker tracker;
    private final CommandUser user;

    CommandFlush(CommandsOptions options, DeviceConnector connector, CommandTracker tracker, CommandUser user) {
        this.options = options;
        this.connector = connector;
        this.tracker = tracker;
        this.user = user;
    }

    /** How long one run may take at most, for planning token refreshes. */
    long secondsPerRunAtMost() {
        int count = options.flushCommands();
        return count / options.flushSubmitRate() + QUEUED_WAIT_SECONDS + options.flushTimeoutSeconds()
                + cleanupSeconds() + OFFLINE_WAIT_SECONDS + PRESENCE_WAIT_SECONDS;
    }

    FlushResult run(int number) {
        Instant runEnds = Instant.now().plusSeconds(secondsPerRunAtMost() + 60);
        if (user.needsReconnect(runEnds)) {
            System.out.println("  reconnecting " + user.name + " (token about to expire or socket closed)");
            user.connect(connector);
        }
        waitFor(() -> user.queuedFrames() == 0, cleanupSeconds()); // the answers to what came at connect are out
        FlushRun flush = new FlushRun(tracker.latency.runId, number, options.flushCommands(),
                31L * tracker.latency.runId.hashCode() + number);
        tracker.beginFlush(flush);
        try {
            long offlineMs = takeDesktopOffline();
            long queueMs = queue(flush);
            flush.helloNext();
            FrameSocket desktop = user.reopenDesktop(connector);
            long hello = desktop.helloSentNanos();
            boolean all = waitUntil(() -> flush.received() >= flush.count,
                    hello + TimeUnit.SECONDS.toNanos(options.flushTimeoutSeconds()));
            if (!all) {
                System.out.printf(Locale.ROOT, "  only %d of %d commands arrived within %d s of the hello%n", flush.received(),
                        flush.count, options.flushTimeoutSeconds());
            }
            // the answers go out paced; the run is over when the queue has finished every command
            if (!waitFor(() -> flush.finished() >= flush.count, cleanupSeconds())) {
                System.out.printf(Locale.ROOT, "  %d of %d commands SUCCEEDED within %d s (the rest stay for the queue)%n",
                        flush.finished(), flush.count, cleanupSeconds());
            }
            FlushResult result = flush.result(hello, desktop.welcomeNanos());
            System.out.printf(Locale.ROOT, "  => run %d: desktop offline in %d ms; %d queued in %.1f s (%d dispatched early); "
                    + "hello -> welcome %s ms, first %s ms, last %s ms; %d of %d arrived, %s; %d finished%n", number, offlineMs,
                    result.queued(), queueMs / 1000.0, result.dispatchedBeforeHello(), Numbers.millis(result.welcomeMs()),
                    Numbers.millis(result.firstMs()), Numbers.millis(result.lastMs()), result.received(), result.commands(),
                    result.inOrder() ? "in order" : "OUT OF ORDER (" + result.orderViolations() + "; " + result.firstViolation() + ")",
                    result.finished());
            return result;
        } finally {
            tracker.endFlush();
        }
    }

    /**
     * Closes the desktop and waits until the stack says it is offline: the relay's presence push
     * (which follows its offline event, the queue's cue) and a {@code devices.list} that lists it
     * offline. Returns how long that took (ms).
     */
    private long takeDesktopOffline() {
        long started = System.nanoTime();
        FrameSocket phone = user.phone();
        CompletableFuture<JsonNode> pushed = phone.next(frame -> FrameType.PRESENCE.wire().equals(frame.path("type").asText())
                && CommandUser.DESKTOP_DEVICE.equals(frame.path("payload").path("deviceId").asText())
                && "offline".equals(frame.path("payload").path("presence").asText()));
        user.closeDesktop();
        try {
            pushed.get(PRESENCE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            System.out.printf(Locale.ROOT, "  no presence push within %d s; asking devices.list%n", PRESENCE_WAIT_SECONDS);
        } catch (ExecutionException e) {
            throw new BenchException(USER + ": the phone's socket failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        } finally {
            pushed.cancel(false);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(OFFLINE_WAIT_SECONDS);
        while (!listedOffline(phone)) {
            if (System.nanoTime() > deadline) {
                throw new BenchException(USER + ": devices.list still shows " + CommandUser.DESKTOP_DEVICE + " online "
                        + OFFLINE_WAIT_SECONDS + " s after it closed its socket");
            }
            BenchThreads.pause(100);
        }
        return (System.nanoTime() - started) / 1_000_000;
    }

    private static boolean listedOffline(FrameSocket phone) {
        CompletableFuture<JsonNode> answer = phone.ask(FrameType.DEVICES_LIST,
                new DevicesList(null, null, null, CommandUser.DESKTOP_DEVICE));
        try {
            JsonNode frame = answer.get(ANSWER_WAIT_SECONDS, TimeUnit.SECONDS);
            if (!FrameType.DEVICES.wire().equals(frame.path("type").asText())) {
                throw new BenchException(USER + ": devices.list answered " + frame.path("type").asText() + " " + frame.path("payload"));
            }
            for (JsonNode device : frame.path("payload").path("devices")) {
                if (CommandUser.DESKTOP_DEVICE.equals(device.path("id").asText())) {
                    return "offline".equals(device.path("presence").asText());
                }
            }
            return false;
        } catch (TimeoutException e) {
            throw new BenchException(USER + ": no answer to devices.list within " + ANSWER_WAIT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            throw new BenchException(USER + ": devices.list failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        } finally {
            answer.cancel(false);
        }
    }

    /** Submits the run's commands from the phone and waits for each one's QUEUED; returns how long that took (ms). */
    private long queue(FlushRun flush) {
        long started = System.nanoTime();
        LongAdder failed = new LongAdder();
        OpenLoopDriver.drive(options.flushSubmitRate(), flush.count, started, (k, due) -> user.submit(flush.submit(k), failure -> {
            if (failure != null) {
                failed.increment();
            }
        }));
        if (failed.sum() > 0) {
            throw new BenchException(USER + ": " + failed.sum() + " submits did not reach the phone's socket");
        }
        if (!waitFor(() -> flush.queued() + flush.refused() >= flush.count, QUEUED_WAIT_SECONDS)) {
            System.out.printf(Locale.ROOT, "  only %d of %d submits were QUEUED within %d s of the last one%n", flush.queued(),
                    flush.count, QUEUED_WAIT_SECONDS);
        }
        if (flush.refused() > 0) {
            System.out.printf(Locale.ROOT, "  %d submits were refused%n", flush.refused());
        }
        return (System.nanoTime() - started) / 1_000_000;
    }

    /** Long enough for the desktop to answer every command (two paced frames each) and the statuses to come back. */
    private long cleanupSeconds() {
        return (long) Math.ceil(2.0 * options.flushCommands() / PacedSender.PER_SECOND) + 30;
    }

    private static boolean waitFor(BooleanSupplier done, long seconds) {
        return waitUntil(done, System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
    }

    /** Polls until done or the deadline ({@code System.nanoTime}); the times that count come from the frames, not from here. */
    static boolean waitUntil(BooleanSupplier done, long deadlineNanos) {
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadlineNanos) {
                return false;
            }
            BenchThreads.pause(5);
        }
        return true;
    }
}
