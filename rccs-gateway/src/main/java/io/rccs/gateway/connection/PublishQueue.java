package io.rccs.gateway.connection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import io.rccs.model.protocol.Frame;

/**
 * One connection's frames on their way to the broker, in order: up to {@link #WINDOW} are handed to
 * the producer at once (it keeps them in order within the user's partition and retries them through
 * a broker restart), the rest wait here. When the producer refuses one for good, it and every frame
 * still waiting behind it are answered {@code unavailable}, and the connection's next frames are
 * refused too until the client sends the first refused frame again (or {@link #REFUSAL_LIMIT_NANOS}
 * passed), so the client's resends arrive, and are published, in the order it first sent them.
 * Bounded: at most {@code capacity} frames wait or travel per connection.
 * Thread-safe: frames arrive on the connection's event loop, acknowledgements on the producer's thread.
 */
final class PublishQueue {

    /** Frames of one connection handed to the producer and not yet acknowledged, at most. */
    static final int WINDOW = 64;
    /** How long refusals wait for the resend of the first refused frame before giving up on it. */
    static final long REFUSAL_LIMIT_NANOS = 30_000_000_000L;

    /** What became of an offered frame. */
    enum Offer {
        /** Queued: the caller asks for {@link #take()}. */
        QUEUED,
        /** Refused: answer {@code unavailable}. */
        REFUSED
    }

    private final int capacity;
    /** Null while nothing waits: an idle connection keeps no empty queue (issue 9's heap per connection). */
    private ArrayDeque<Frame> waiting;
    private int inFlight;
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
        if (waiting() + inFlight >= capacity) {
            refuseFrom(frame.id(), nowNanos);
            return Offer.REFUSED;
        }
        if (waiting == null) {
            waiting = new ArrayDeque<>();
        }
        waiting.add(frame);
        return Offer.QUEUED;
    }

    /** The frames to hand to the producer now, in order (none while the window is full). */
    synchronized List<Frame> take() {
        if (waiting == null || inFlight >= WINDOW) {
            return List.of();
        }
        List<Frame> out = new ArrayList<>(Math.min(waiting.size(), WINDOW - inFlight));
        while (inFlight < WINDOW && !waiting.isEmpty()) {
            out.add(waiting.poll());
            inFlight++;
        }
        if (waiting.isEmpty()) {
            waiting = null;
        }
        return out;
    }

    /** A frame on its way was acknowledged. */
    synchronized void published() {
        inFlight--;
    }

    /** A frame on its way was refused: it and all still waiting behind it are given back, in order, to be answered. */
    synchronized List<Frame> failed(Frame frame, long nowNanos) {
        inFlight--;
        List<Frame> refused = new ArrayList<>(waiting() + 1);
        refused.add(frame);
        if (waiting != null) {
            refused.addAll(waiting);
            waiting = null;
        }
        refuseFrom(frame.id(), nowNanos);
        return refused;
    }

    private int waiting() {
        return waiting == null ? 0 : waiting.size();
    }

    private void refuseFrom(String frameId, long nowNanos) {
        refusedUntil = frameId;
        refusingSince = nowNanos;
    }
}
