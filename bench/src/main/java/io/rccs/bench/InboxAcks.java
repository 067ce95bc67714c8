package io.rccs.bench;

import java.util.TreeSet;
import java.util.UUID;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Ack;

/**
 * Acknowledges a device's inbox (SPEC 3.2) as a real client must, so the relay does not send again:
 * every frame that carries a {@code seq} (a delivered {@code message}, a {@code command.status} for the
 * sender of a command) counts, and {@code ack {upTo}} names the highest seq with nothing missing
 * before it (from the first seq seen) — at once after {@link #ACK_EVERY} frames, otherwise by the
 * periodic {@link #flush} (every 100 ms in the benchmarks). A seq past a gap is not acknowledged
 * until the gap fills: acknowledging it would tell the relay that the missing entries arrived, and
 * it would never send them again. One per connection: a replay starts at the oldest entry kept, and a
 * user started over numbers its inbox from 1 again.
 */
final class InboxAcks {

    /** Acknowledge after this many frames even before the periodic flush. */
    static final int ACK_EVERY = 200;
    /**
     * Seqs past a gap remembered at most, as many as the relay keeps per device by default. Past that
     * the gap is given up (its messages count as not delivered, and the ack tells the relay they
     * arrived) rather than acks stopping for good, should retention have removed the missing entry.
     * The relay removes no entry younger than its min-retention (2 min) for the count limit, so at the
     * benchmark's rates (at most 40 msg/s to one receiver) a gap is given up only after 250 s, long
     * after the relay has sent it again.
     */
    static final int MAX_AHEAD = 10_000;

    /** The highest seq with nothing missing before it, -1 before the first. */
    private long contiguous = -1;
    private final TreeSet<Long> ahead = new TreeSet<>();
    private long ackedSeq = -1;
    private int sinceAck;
    /** A seq came again that was acknowledged already: the relay has not seen the ack, send it again. */
    private boolean ackMissed;

    /** A frame with this {@code seq} arrived; {@code sink} takes the ack if one is due now. */
    synchronized void received(long seq, FrameSink sink) {
        if (contiguous < 0) {
            contiguous = seq - 1; // the first seq seen is the starting point (a replay starts with the oldest)
        }
        if (seq == contiguous + 1) {
            contiguous = seq;
            releaseHeld();
        } else if (seq > contiguous + 1) {
            ahead.add(seq);
            if (ahead.size() > MAX_AHEAD) {
                contiguous = ahead.pollFirst(); // the gap given up
                releaseHeld();
            }
        } else if (seq <= ackedSeq) {
            ackMissed = true;
        }
        if (++sinceAck >= ACK_EVERY) {
            flush(sink);
        }
    }

    /** Moves the held seqs that now follow {@code contiguous} without a gap into it. */
    private void releaseHeld() {
        while (!ahead.isEmpty() && ahead.first() == contiguous + 1) {
            contiguous = ahead.pollFirst();
        }
    }

    /** Sends {@code ack upTo} for what arrived without a gap since the last ack, if anything did. */
    synchronized void flush(FrameSink sink) {
        if (sink == null || contiguous < 0 || contiguous <= ackedSeq && !ackMissed) {
            return;
        }
        Frame ack = Frame.client(UUID.randomUUID().toString(), FrameType.ACK, null, FrameCodec.toPayload(new Ack(contiguous)));
        sink.send(FrameCodec.encode(ack), null);
        ackedSeq = contiguous;
        ackMissed = false;
        sinceAck = 0;
    }

    /** The highest {@code seq} acknowledged so far, -1 for none. */
    synchronized long acked() {
        return ackedSeq;
    }
}
