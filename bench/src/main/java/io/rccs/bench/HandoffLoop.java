package io.rccs.bench;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One user's closed handoff loop: the owner desktop sends {@code handoff.request} to the other
 * desktop, which answers the {@code handoff.offer} at once with {@code handoff.accept}; once both
 * desktops have their {@code handoff.done}, the roles swap and the next handoff starts — not sooner
 * than {@code 1 / rate} after the last one started, so that each desktop's frames (one per handoff,
 * plus acknowledgements) stay under its pacer's rate and no accept waits in the client. Latency runs
 * from the moment the request leaves the client (its pacer) to each device's {@code handoff.done}:
 * the old owner's is the SPEC's measure, the new owner's and the phone's are recorded too. Each
 * accepted handoff makes the session's next version, so the three {@code handoff.done} frames of a
 * handoff are told apart by version (the phone's may come after the next handoff began).
 */
final class HandoffLoop {

    /** After an error answering a request, wait this long before the next one, so an error cannot spin. */
    static final long RETRY_PAUSE_MS = 500;
    /** Handoffs remembered by version, for the phone's late {@code handoff.done}. */
    private static final int REMEMBERED = 64;

    /** One handoff, from its request to both desktops' {@code handoff.done}. */
    private static final class Attempt {
        final int from;
        final int to;
        final String requestId = SessionFrames.newId();
        long version;
        String acceptId;
        /** set by the pacer's thread as the request leaves */
        volatile long sentNanos;
        volatile boolean measured;
        boolean fromDone;
        boolean toDone;
        boolean phoneDone;

        Attempt(int from, int to, long version) {
            this.from = from;
            this.to = to;
            this.version = version;
        }
    }

    private final SessionDevice[] devices;
    private final String session;
    private final HandoffTracker tracker;
    private final ScheduledExecutorService timer;
    private final Map<Long, Attempt> byVersion = new LinkedHashMap<>();
    private final long intervalNanos;
    private long lastStartNanos;
    private boolean startScheduled;
    private int owner;
    private long version;
    /** volatile: a failed send clears it without the lock (it may be told on a pacer's thread, which holds the pacer) */
    private volatile boolean running;
    private Attempt current;

    /**
     * @param devices the user's desktops (0, 1) and phone ({@link SessionUser#PHONE})
     * @param owner   the desktop that owns the session now
     * @param version the session's version now
     * @param rate    the most handoffs per second the loop starts
     */
    HandoffLoop(SessionDevice[] devices, String session, int owner, long version, int rate, HandoffTracker tracker,
            ScheduledExecutorService timer) {
        this.devices = devices;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        this.session = session;
        this.owner = owner;
        this.version = version;
        this.tracker = tracker;
        this.timer = timer;
    }

    synchronized void start() {
        running = true;
        next();
    }

    /** No new handoff after this; the one under way finishes. */
    synchronized void stop() {
        running = false;
    }

    /** True when no handoff is under way. */
    synchronized boolean idle() {
        return current == null;
    }

    /** The desktop that owns the session as far as the loop knows. */
    synchronized int owner() {
        return owner;
    }

    /** Counts the handoff under way, if measured, as unfinished; called once the part is over. */
    synchronized void abandon() {
        if (current != null && current.measured && !current.fromDone) {
            tracker.onUnfinished();
        }
        running = false;
        current = null;
    }

    synchronized void onOffer(int device, JsonNode offer) {
        Attempt attempt = current;
        if (attempt == null || device != attempt.to || attempt.acceptId != null) {
            tracker.onUnmatched(); // it lapses on the relay after 30 s and both desktops are told
            return;
        }
        attempt.acceptId = SessionFrames.newId();
        devices[device].send(SessionFrames.handoffAccept(attempt.acceptId, session), null,
                failure -> onSendFailed(failure, attempt));
    }

    synchronized void onDone(int device, JsonNode done, long receivedNanos) {
        boolean accepted = done.path("accepted").asBoolean(false);
        long doneVersion = done.path("version").asLong(-1);
        Attempt attempt = accepted ? byVersion.get(doneVersion) : current;
        if (attempt == null && accepted && current != null && device != SessionUser.PHONE && doneVersion > version) {
            // the session moved on without the loop (should not happen: the loop is its only writer): follow it
            attempt = current;
            attempt.version = doneVersion;
            remember(attempt);
        }
        if (attempt == null) {
            tracker.onUnmatched();
            return;
        }
        long micros = (receivedNanos - attempt.sentNanos) / 1_000;
        if (device == SessionUser.PHONE) {
            if (accepted && !attempt.phoneDone) {
                attempt.phoneDone = true;
                tracker.onPhoneDone(attempt.measured, micros);
            }
            return;
        }
        if (device == attempt.from && !attempt.fromDone) {
            attempt.fromDone = true;
            if (accepted) {
                tracker.onOldOwnerDone(attempt.measured, micros);
            } else {
                tracker.onNotAccepted(attempt.measured, done.path("reason").asText("unknown"));
            }
        } else if (device == attempt.to && !attempt.toDone) {
            attempt.toDone = true;
            if (accepted) {
                tracker.onNewOwnerDone(attempt.measured, micros);
            }
        }
        if (attempt == current && attempt.fromDone && attempt.toDone) {
            if (accepted) {
                owner = attempt.to;
                version = doneVersion;
            }
            current = null;
            next();
        }
    }

    /** An error answering one of this loop's frames: true if it was one. */
    synchronized boolean onError(String corr, String code) {
        Attempt attempt = current;
        if (attempt == null || corr == null) {
            return false;
        }
        if (corr.equals(attempt.requestId)) {
            tracker.onError(attempt.measured, code);
            byVersion.remove(attempt.version);
            current = null;
            startLater(TimeUnit.MILLISECONDS.toNanos(RETRY_PAUSE_MS));
            return true;
        }
        if (corr.equals(attempt.acceptId)) {
            // the offer stays pending until it lapses (30 s); then both desktops get handoff.done and the loop goes on
            tracker.onError(attempt.measured, code);
            return true;
        }
        return false;
    }

    private void next() {
        if (!running || current != null || startScheduled) {
            return;
        }
        long now = System.nanoTime();
        if (lastStartNanos != 0 && now - lastStartNanos < intervalNanos) {
            startLater(lastStartNanos + intervalNanos - now);
            return;
        }
        lastStartNanos = now;
        Attempt attempt = new Attempt(owner, 1 - owner, version + 1);
        current = attempt;
        remember(attempt);
        SessionDevice from = devices[attempt.from];
        // the latency starts when the request leaves the pacer, so client-side pacing is not counted as the stack's
        from.send(SessionFrames.handoffRequest(attempt.requestId, session, devices[attempt.to].id()), (text, outcome) -> {
            attempt.measured = tracker.onRequestSent();
            attempt.sentNanos = System.nanoTime();
            from.socket().send(text, outcome);
        }, failure -> onSendFailed(failure, attempt));
    }

    private void remember(Attempt attempt) {
        byVersion.put(attempt.version, attempt);
        for (Iterator<Long> oldest = byVersion.keySet().iterator(); byVersion.size() > REMEMBERED; ) {
            oldest.next();
            oldest.remove();
        }
    }

    private void onSendFailed(Throwable failure, Attempt attempt) {
        if (failure == null) {
            return;
        }
        // the socket is gone: this user's loop ends here, and the handoff counts as unfinished
        tracker.onError(attempt.measured, "send_failed");
        running = false;
    }

    private void startLater(long delayNanos) {
        startScheduled = true;
        try {
            timer.schedule(() -> {
                synchronized (this) {
                    startScheduled = false;
                    next();
                }
            }, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shutDown) {
            startScheduled = false; // the benchmark is ending
        }
    }
}
