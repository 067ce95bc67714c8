package io.rccs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;

/**
 * The {@code devices.list} frames of a discovery run and what comes back for them. A list's id
 * carries the run, its number and its intended send time ({@code <run>-<k>-<nanos since origin>}),
 * and the answer names it in {@code corr}, so the latency needs no shared bookkeeping: the
 * {@code devices} answer's arrival minus the intended time. One instance serves every socket.
 */
final class ListAnswers implements FrameSocket.Handler {

    /** What a list's id says. */
    record ListId(String run, int k, long dueSinceOrigin) {

        String text() {
            return run + "-" + k + "-" + dueSinceOrigin;
        }

        /** The id of one of our lists, or null for any other text (another run's, a pairing frame's, none). */
        static ListId parse(String id) {
            if (id == null) {
                return null;
            }
            String[] parts = id.split("-");
            if (parts.length != 3) {
                return null;
            }
            try {
                return new ListId(parts[0], Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** No filter: every device of the user, the broadest answer. */
    private static final ObjectNode EVERY_DEVICE = FrameCodec.mapper().createObjectNode();

    private final String runId;
    /** Intended send times are nanoseconds since this instant of the bench JVM's {@code System.nanoTime}. */
    private final long originNanos = System.nanoTime();
    private volatile StepTracker step;

    /** @param runId eight hex digits (no dash: the id is split at dashes) */
    ListAnswers(String runId) {
        this.runId = runId;
    }

    void begin(StepTracker tracker) {
        step = tracker;
    }

    /** The text of list {@code k}, due at {@code dueNanos}. */
    String frame(int k, long dueNanos) {
        String id = new ListId(runId, k, dueNanos - originNanos).text();
        return FrameCodec.encode(Frame.client(id, FrameType.DEVICES_LIST, null, EVERY_DEVICE));
    }

    @Override
    public void onFrame(FrameSocket socket, JsonNode frame, long receivedNanos) {
        StepTracker current = step;
        if (current == null) {
            return; // presence and the like while setting up
        }
        String type = frame.path("type").asText();
        ListId list = ListId.parse(frame.path("corr").asText(null));
        boolean ours = list != null && runId.equals(list.run());
        if (FrameType.DEVICES.wire().equals(type) && ours) {
            current.onDelivered(list.k(), originNanos + list.dueSinceOrigin(), receivedNanos);
        } else if (FrameType.ERROR.wire().equals(type)) {
            String code = frame.path("payload").path("code").asText("unknown");
            if (ours) {
                current.onRefused(list.k(), code);
            } else {
                current.onError(code); // rate_limited names no frame, for one
            }
        }
        // presence and pong say nothing about discovery
    }
}
