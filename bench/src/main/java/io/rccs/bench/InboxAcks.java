package io.rccs.bench;

import java.util.UUID;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Ack;

/**
 * Acknowledges a device's inbox (SPEC 3.2) as a real client must, so the relay does not send again:
 * every frame that carries a {@code seq} (a delivered {@code message}, a {@code command.status} for the
 * sender of a command) is acknowledged with {@code ack {upTo}} — at once after {@link #ACK_EVERY}
 * frames, otherwise by the periodic {@link #flush} (every 100 ms in the benchmarks).
 */
final class InboxAcks {

    /** Acknowledge after this many frames even before the periodic flush. */
    static final int ACK_EVERY = 200;

    private long highestSeq = -1;
    private long ackedSeq = -1;
    private int sinceAck;

    /** A frame with this {@code seq} arrived; {@code sink} takes the ack if one is due now. */
    synchronized void received(long seq, FrameSink sink) {
        highestSeq = Math.max(highestSeq, seq);
        if (++sinceAck >= ACK_EVERY) {
            flush(sink);
        }
    }

    /** Sends {@code ack upTo} for everything received since the last ack, if anything was. */
    synchronized void flush(FrameSink sink) {
        if (sink == null || highestSeq <= ackedSeq) {
            return;
        }
        Frame ack = Frame.client(UUID.randomUUID().toString(), FrameType.ACK, null, FrameCodec.toPayload(new Ack(highestSeq)));
        sink.send(FrameCodec.encode(ack), null);
        ackedSeq = highestSeq;
        sinceAck = 0;
    }

    /** The highest {@code seq} acknowledged so far, -1 for none. */
    synchronized long acked() {
        return ackedSeq;
    }
}
