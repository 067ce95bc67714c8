package io.rccs.client;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

import io.rccs.model.protocol.Frame;

/**
 * The application frames a {@link RccsDevice} has to send, kept in the order they were handed
 * over: new ones, ones that waited for a connection, and ones the server refused with a retryable
 * {@code error} (sent again with the same id, which is their idempotency key). Sent frames are
 * remembered for a while (the latest {@code rememberSent}) so that an error naming one by
 * {@code corr} can put it back in its original place. A frame may have a deadline: once it has
 * passed, the frame is dropped instead of sent, since its sender stopped waiting for it. Pure
 * logic; not thread-safe (the device uses it from its one event thread).
 */
final class RetryingOutbox {

    /** {@code sendByNanos} is a {@link System#nanoTime()} instant, or {@link #NO_DEADLINE}. */
    private record Outgoing(long order, Frame frame, int attempts, long sendByNanos) {

        boolean expired(long nowNanos) {
            return sendByNanos != NO_DEADLINE && nowNanos - sendByNanos >= 0;
        }
    }

    static final long NO_DEADLINE = Long.MIN_VALUE;

    private final int maxAttempts;
    private final TreeMap<Long, Outgoing> queued = new TreeMap<>();
    private final Map<String, Outgoing> sent;
    /** Ids of frames dropped unsent because their deadline passed (the latest {@code rememberSent}). */
    private final Map<String, Boolean> expiredUnsent;
    private long nextOrder;

    /**
     * @param rememberSent how many sent frames are remembered for a late error
     * @param maxAttempts  how often one frame is sent at most; after that its retryable error is
     *                     the application's to see
     */
    RetryingOutbox(int rememberSent, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, not " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        this.sent = bounded(rememberSent);
        this.expiredUnsent = bounded(rememberSent);
    }

    private static <V> Map<String, V> bounded(int limit) {
        return new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > limit;
            }
        };
    }

    /** A new frame goes behind everything handed over before it. */
    void add(Frame frame) {
        add(frame, NO_DEADLINE);
    }

    /** As {@link #add(Frame)}; the frame is not sent once {@code sendByNanos} ({@link System#nanoTime()}) has passed. */
    void add(Frame frame, long sendByNanos) {
        long order = nextOrder++;
        queued.put(order, new Outgoing(order, frame, 0, sendByNanos));
    }

    /** The frame to send next, or null when nothing waits; frames past their deadline are dropped on the way. */
    Frame next() {
        long now = System.nanoTime();
        Map.Entry<Long, Outgoing> first;
        while ((first = queued.firstEntry()) != null && first.getValue().expired(now)) {
            queued.pollFirstEntry();
            expiredUnsent.put(first.getValue().frame().id(), Boolean.TRUE);
        }
        return first == null ? null : first.getValue().frame();
    }

    /** The frame {@link #next()} returned went out. */
    void markSent() {
        Map.Entry<Long, Outgoing> first = queued.pollFirstEntry();
        if (first != null) {
            Outgoing outgoing = first.getValue();
            sent.put(outgoing.frame().id(), new Outgoing(outgoing.order(), outgoing.frame(), outgoing.attempts() + 1,
                    outgoing.sendByNanos()));
        }
    }

    /**
     * The server refused the sent frame with this id with a retryable error: it goes back to its
     * original place in the queue. Returns how often it was sent so far (for the backoff), or
     * empty when the frame is not one of ours or was sent {@code maxAttempts} times already.
     */
    OptionalInt requeue(String id) {
        Outgoing outgoing = sent.remove(id);
        if (outgoing == null || outgoing.attempts() >= maxAttempts) {
            return OptionalInt.empty();
        }
        queued.put(outgoing.order(), outgoing);
        return OptionalInt.of(outgoing.attempts());
    }

    /**
     * Its sender gave up on the frame with this id: it is taken out of the queue and forgotten, so
     * that neither a flush nor a late retryable error sends it again. Returns true when the server
     * cannot have taken it (never sent, or every send was refused), false when a send of it may have
     * reached the server (it went out and no refusal came, or it is not known here at all).
     */
    boolean withdraw(String id) {
        boolean wasQueued = false;
        for (Iterator<Outgoing> it = queued.values().iterator(); it.hasNext();) {
            if (it.next().frame().id().equals(id)) {
                it.remove();
                wasQueued = true;
            }
        }
        boolean droppedUnsent = expiredUnsent.remove(id) != null;
        // still remembered as sent: it went out and was not refused since (a refusal requeues or forgets it)
        boolean wentOut = sent.remove(id) != null;
        return (wasQueued || droppedUnsent) && !wentOut;
    }

    /** The type of the sent frame with this id, or null when it is not remembered. */
    String sentType(String id) {
        Outgoing outgoing = sent.get(id);
        return outgoing == null ? null : outgoing.frame().type();
    }

    /** The server refused the frame for good: no need to remember it. */
    void forget(String id) {
        sent.remove(id);
    }

    int queuedCount() {
        return queued.size();
    }
}
