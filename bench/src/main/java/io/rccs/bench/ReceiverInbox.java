package io.rccs.bench;

import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Ack;

/**
 * What a receiver device does with its frames: hands bench messages to the {@link RunTracker} and
 * acknowledges every delivered sequence number, so the server does not redeliver (SPEC 3.2).
 */
final class ReceiverInbox implements FrameSocket.Handler {

    /** Acknowledge after this many messages even before the periodic flush. */
    static final int ACK_EVERY_MESSAGES = 200;

    private final RunTracker run;
    private long highestSeq = -1;
    private long ackedSeq = -1;
    private int sinceAck;

    ReceiverInbox(RunTracker run) {
        this.run = run;
    }

    @Override
    public void onFrame(FrameSocket socket, JsonNode frame, long receivedNanos) {
        String type = frame.path("type").asText();
        if (FrameType.MESSAGE.wire().equals(type)) {
            onMessage(socket, frame, receivedNanos);
        } else if (FrameType.ERROR.wire().equals(type)) {
            run.onError(frame.path("payload").path("code").asText("unknown"));
        }
        // presence, pong and the like say nothing about the benchmark
    }

    private void onMessage(FrameSocket socket, JsonNode frame, long receivedNanos) {
        JsonNode payload = frame.path("payload");
        run.onMessage(payload.path("run").asText(""), payload.path("s").asInt(-1), payload.path("i").asInt(-1),
                payload.path("t").asLong(), receivedNanos);
        JsonNode seq = frame.get("seq");
        if (seq != null && seq.canConvertToLong()) {
            noteSeq(socket, seq.asLong()); // replays of earlier runs are acknowledged too, to empty the inbox
        }
    }

    private synchronized void noteSeq(FrameSocket socket, long seq) {
        highestSeq = Math.max(highestSeq, seq);
        if (++sinceAck >= ACK_EVERY_MESSAGES) {
            flush(socket);
        }
    }

    /** Sends {@code ack upTo} for everything received since the last ack; the periodic timer calls this. */
    synchronized void flush(FrameSocket socket) {
        if (socket == null || highestSeq <= ackedSeq) {
            return;
        }
        Frame ack = Frame.client(UUID.randomUUID().toString(), FrameType.ACK, null, FrameCodec.toPayload(new Ack(highestSeq)));
        socket.send(FrameCodec.encode(ack), null);
        ackedSeq = highestSeq;
        sinceAck = 0;
    }
}
