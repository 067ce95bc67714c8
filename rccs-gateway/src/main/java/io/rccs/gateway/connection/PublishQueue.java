package io.rccs.gateway.connection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import io.rccs.model.protocol.Frame;

/**
 * One connection's frames on their way to the broker, one at a time and in order: a frame is handed
 * to the producer only once the one before it is acknowledged, so a frame the broker refuses can
 * never be overtaken by a later one. When one is refused, it and every frame queued behind it are
 * answered {@code unavailable}, and the connection's next frames are refused too until the client
 * sends the first refused frame again (or {@link #REFUSAL_LIMIT_NANOS} passed): the client's resends
 * then arrive, and are published, in the order it first sent them.
 * Thread-safe: frames arrive on the connection's event loop, acknowledgements on the producer's thread.
 */
final class PublishQueue {

    /** How long refusals wait for the resend of the first refused frame before giving up on it. */
    static final long REFUSAL_LIMIT_NANOS = 30_000_000_000L;

    /** What became of an offered frame. */
    enum Offer {
        /** Queued: the caller asks for {@link #next()} (null when a frame is already on its way). */
        QUEUED,
        /** Refused: answer {@code unavailable}. */
        REFUSED
    }

    private final int capacity;
    private final ArrayDeque<Frame> waiting = new ArrayDeque<>();
    private boolean inFlight;
    private String refusedUntil;
    private long refusingSince;

    PublishQueue(int capacity) {
        this.capacity = capacity;
    }

    synchronized Offer offer(Frame frame, long nowNanos) {
        if (refusedUntil != null) {
            if (!frame.id().equals(refusedUntil) && nowNanos - refusingSince < REFUSAL_LIMIT_NANOS) {
                return Offer.REFUSED;
            }
            refusedUntil = null;
        }
        if (waiting.size() >= capacity) {
            refuseFrom(frame.id(), nowNanos);
            return Offer.REFUSED;
        }
        waiting.add(frame);
        return Offer.QUEUED;
    }

    /** The next frame to hand to the producer, or null when one is on its way already or none waits. */
    synchronized Frame next() {
        if (inFlight || waiting.isEmpty()) {
            return null;
        }
        inFlight = true;
        return waiting.peek();
    }

    /** The frame on its way was acknowledged. */
    synchronized void published() {
        waiting.poll();
        inFlight = false;
    }

    /** The frame on its way was refused: it and all behind it are given back, in order, to be answered. */
    synchronized List<Frame> failed(long nowNanos) {
        List<Frame> refused = new ArrayList<>(waiting);
        waiting.clear();
        inFlight = false;
        if (!refused.isEmpty()) {
            refuseFrom(refused.get(0).id(), nowNanos);
        }
        return refused;
    }

    synchronized int size() {
        return waiting.size();
    }

    private void refuseFrom(String frameId, long nowNanos) {
        refusedUntil = frameId;
        refusingSince = nowNanos;
    }
}
