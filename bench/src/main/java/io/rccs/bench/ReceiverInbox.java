package io.rccs.bench;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameType;

/**
 * What a receiver device does with its frames: hands bench messages to the {@link RunTracker} and
 * acknowledges every delivered sequence number ({@link InboxAcks}), so the server does not redeliver
 * (SPEC 3.2).
 */
final class ReceiverInbox implements FrameSocket.Handler {

    private final RunTracker run;
    /** Per connection ({@link #newConnection}). */
    private volatile InboxAcks acks = new InboxAcks();

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
        run.onArrival(payload.path("run").asText(""), payload.path("s").asInt(-1), payload.path("i").asInt(-1),
                payload.path("t").asLong(), receivedNanos);
        JsonNode seq = frame.get("seq");
        if (seq != null && seq.canConvertToLong()) {
            acks.received(seq.asLong(), socket); // replays of earlier runs are acknowledged too, to empty the inbox
        }
    }

    /** The receiver connects again: its acks start from the first seq this connection gets. */
    void newConnection() {
        acks = new InboxAcks();
    }

    /** Sends {@code ack upTo} for everything received since the last ack; the periodic timer calls this. */
    void flush(FrameSocket socket) {
        acks.flush(socket);
    }
}
