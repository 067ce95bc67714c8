package io.rccs.client;

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
 * {@code corr} can put it back in its original place. Pure logic; not thread-safe (the device
 * uses it from its one event thread).
 */
final class RetryingOutbox {

    private record Outgoing(long order, Frame frame, int attempts) {
    }

    private final int maxAttempts;
    private final TreeMap<Long, Outgoing> queued = new TreeMap<>();
    private final Map<String, Outgoing> sent;
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
        this.sent = new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Outgoing> eldest) {
                return size() > rememberSent;
            }
        };
    }

    /** A new frame goes behind everything handed over before it. */
    void add(Frame frame) {
        long order = nextOrder++;
        queued.put(order, new Outgoing(order, frame, 0));
    }

    /** The frame to send next, or null when nothing waits. */
    Frame next() {
        Map.Entry<Long, Outgoing> first = queued.firstEntry();
        return first == null ? null : first.getValue().frame();
    }

    /** The frame {@link #next()} returned went out. */
    void markSent() {
        Map.Entry<Long, Outgoing> first = queued.pollFirstEntry();
        if (first != null) {
            Outgoing outgoing = first.getValue();
            sent.put(outgoing.frame().id(), new Outgoing(outgoing.order(), outgoing.frame(), outgoing.attempts() + 1));
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
