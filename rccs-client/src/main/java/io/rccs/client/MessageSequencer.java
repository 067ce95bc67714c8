package io.rccs.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

import io.rccs.model.protocol.Frame;

/**
 * Turns the at-least-once, possibly reordered stream of frames with a {@code seq} (SPEC 3.2: the
 * entries of the device's inbox, {@code message}s and the frames services put there, such as the
 * {@code command.status} of a command the device submitted) into an exactly-once, in-order one,
 * and says when an {@code ack} is due. Pure logic, no I/O; thread-safe (every method is
 * synchronized). Every frame with a seq must go through it, whatever its type: the seqs are shared,
 * so one left out would be a gap that never fills.
 *
 * <p>The server numbers each device's inbox entries {@code seq} = 1, 2, 3, ... without gaps. A frame
 * with {@code seq <= lastSeq()} was handed over already and is dropped. A frame with
 * {@code seq == lastSeq() + 1} is deliverable, and so are the held frames that follow it without
 * a gap. A frame further ahead is held until the gap fills: the server resends what it has not
 * got an ack for, so the gap does fill. At most {@code maxHeld} frames are held; past that the one
 * with the highest seq is dropped (the server sends it again later).
 *
 * <p>Before the first frame and without a seed, the first seq seen is the starting point: a device
 * that never resumed gets its unacknowledged entries replayed in order, oldest first.
 *
 * <p>A frame without {@code seq} (a server that does not number messages) cannot be ordered and is
 * deliverable at once.
 */
public final class MessageSequencer {

    public static final int DEFAULT_ACK_EVERY = 100;
    public static final int DEFAULT_MAX_HELD = 10_000;

    private final int ackEvery;
    private final int maxHeld;
    private final TreeMap<Long, Frame> held = new TreeMap<>();
    private Long lastSeq;
    private Long lastAcked;
    private int deliveredSinceAck;
    /** Set when the server resent something we had: it has not seen our ack, so another is due. */
    private boolean serverMissedAnAck;
    /** Set by {@link #skipLost}: a gap before the next frame is lost too, not still on its way. */
    private boolean nextStartsAfterLoss;

    /** Unseeded, acking every {@value #DEFAULT_ACK_EVERY} frames, holding at most {@value #DEFAULT_MAX_HELD}. */
    public MessageSequencer() {
        this(null, DEFAULT_ACK_EVERY, DEFAULT_MAX_HELD);
    }

    /**
     * @param resumeFrom the last seq handed over in an earlier session (what {@code hello} resumes
     *                   from), or null to start at the first seq seen
     * @param ackEvery   an ack is due after this many frames handed over since the last ack
     * @param maxHeld    how many out-of-order frames are held at most while waiting for a gap to fill
     */
    public MessageSequencer(Long resumeFrom, int ackEvery, int maxHeld) {
        if (resumeFrom != null && resumeFrom < 0) {
            throw new IllegalArgumentException("resumeFrom must be >= 0, not " + resumeFrom);
        }
        if (ackEvery < 1) {
            throw new IllegalArgumentException("ackEvery must be >= 1, not " + ackEvery);
        }
        if (maxHeld < 0) {
            throw new IllegalArgumentException("maxHeld must be >= 0, not " + maxHeld);
        }
        this.lastSeq = resumeFrom;
        // what we resume from was acknowledged (or is told to the server by hello's resume)
        this.lastAcked = resumeFrom;
        this.ackEvery = ackEvery;
        this.maxHeld = maxHeld;
    }

    /**
     * Takes one received frame with a seq (or a {@code message}) and returns the frames that are now
     * deliverable, in seq order: empty for a duplicate or a frame held for later, possibly several
     * when it filled a gap. Each seq is returned at most once over the life of this sequencer.
     */
    public synchronized List<Frame> accept(Frame frame) {
        Long seq = frame.seq();
        if (seq == null) {
            deliveredSinceAck++; // counts for the cadence, although it cannot be acknowledged by seq
            return List.of(frame);
        }
        if (lastSeq == null) {
            lastSeq = seq - 1; // the first seq seen is the starting point
        }
        if (seq <= lastSeq) {
            serverMissedAnAck = true;
            return List.of();
        }
        if (nextStartsAfterLoss) {
            nextStartsAfterLoss = false;
            if (seq > lastSeq + 1) {
                lastSeq = seq - 1;
                held.headMap(seq, false).clear();
            }
        }
        if (seq > lastSeq + 1) {
            hold(seq, frame);
            return List.of();
        }
        List<Frame> deliverable = new ArrayList<>();
        deliverable.add(frame);
        lastSeq = seq;
        releaseContiguous(deliverable);
        deliveredSinceAck += deliverable.size();
        return deliverable;
    }

    /**
     * The server said (in {@code welcome.missed}) that the {@code missed} entries after
     * {@link #lastSeq()} are lost to retention: stop waiting for them. Returns the held frames that
     * are now deliverable. Does nothing before a starting point is known.
     *
     * <p>The server replays what it kept in order right after that {@code welcome}, so the next
     * frame to arrive is the oldest one left: should it still lie ahead (the server counts
     * {@code missed} from what the device acknowledged, which can be more than the seq it resumed
     * from), the entries before it are taken as lost too.
     */
    public synchronized List<Frame> skipLost(long missed) {
        if (missed <= 0 || lastSeq == null) {
            return List.of();
        }
        nextStartsAfterLoss = true;
        lastSeq += missed;
        held.headMap(lastSeq, true).clear();
        List<Frame> deliverable = new ArrayList<>();
        releaseContiguous(deliverable);
        deliveredSinceAck += deliverable.size();
        return deliverable;
    }

    /** The last seq handed over with nothing missing before it, or null before any. */
    public synchronized Long lastSeq() {
        return lastSeq;
    }

    /** How many out-of-order frames wait for a gap to fill. */
    public synchronized int heldCount() {
        return held.size();
    }

    /** True when {@code ackEvery} frames were handed over since the last ack: send one now. */
    public synchronized boolean ackDue() {
        return deliveredSinceAck >= ackEvery && lastSeq != null;
    }

    /**
     * True when something handed over (or resent by the server) is not acknowledged yet: what a
     * timer asks to send a late ack.
     */
    public synchronized boolean hasUnacked() {
        if (lastSeq == null) {
            return false;
        }
        return serverMissedAnAck || lastAcked == null || lastSeq > lastAcked;
    }

    /**
     * The {@code upTo} for an ack now, or empty when there is nothing to acknowledge. Call
     * {@link #acked(long)} once the ack is sent.
     */
    public synchronized OptionalLong ackUpTo() {
        return hasUnacked() ? OptionalLong.of(lastSeq) : OptionalLong.empty();
    }

    /** An ack with this {@code upTo} was sent. */
    public synchronized void acked(long upTo) {
        if (lastAcked == null || upTo > lastAcked) {
            lastAcked = upTo;
        }
        if (lastSeq != null && upTo >= lastSeq) {
            deliveredSinceAck = 0;
            serverMissedAnAck = false;
        }
    }

    /** The last {@code upTo} acknowledged, or null. */
    public synchronized Long lastAcked() {
        return lastAcked;
    }

    private void hold(long seq, Frame frame) {
        held.putIfAbsent(seq, frame); // a resend of one held already changes nothing
        if (held.size() > maxHeld) {
            held.pollLastEntry(); // the newest is the one we will wait longest for anyway
        }
    }

    /** Moves the held frames that follow lastSeq without a gap into {@code deliverable}. */
    private void releaseContiguous(List<Frame> deliverable) {
        Map.Entry<Long, Frame> next;
        while ((next = held.firstEntry()) != null && next.getKey() == lastSeq + 1) {
            held.pollFirstEntry();
            deliverable.add(next.getValue());
            lastSeq = next.getKey();
        }
    }
}
