package io.rccs.bench;

import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.HandoffAnswer;
import io.rccs.model.protocol.payload.HandoffRequest;
import io.rccs.model.protocol.payload.StatePatch;

/**
 * The frames of the sessions benchmark that are sent without waiting for their answer. A fan-out
 * patch replaces {@code /tick} with {@code {run, k, t: intended send time in ns since the run's
 * origin}}, so every {@code state} frame that announces it says which patch it is and when it was
 * due; its frame id is {@code <run>-p-<k>}, so an error answering it names it.
 */
final class SessionFrames {

    private SessionFrames() {
    }

    static String tickPatch(String run, String session, long baseVersion, int k, long intendedSinceOrigin) {
        ArrayNode ops = FrameCodec.mapper().createArrayNode();
        ObjectNode op = ops.addObject().put("op", "replace").put("path", "/" + SessionDocument.TICK);
        op.putObject("value").put("run", run).put("k", k).put("t", intendedSinceOrigin);
        return encode(patchId(run, k), FrameType.STATE_PATCH, new StatePatch(session, baseVersion, ops));
    }

    static String patchId(String run, int k) {
        return run + "-p-" + k;
    }

    /** The patch number an id of {@link #patchId} carries, or -1 for any other id (of another run, say). */
    static int patchNumber(String run, String id) {
        String prefix = run + "-p-";
        if (id == null || !id.startsWith(prefix)) {
            return -1;
        }
        try {
            return Integer.parseInt(id.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The {@code /tick} value a {@code state} frame's ops set, or a missing node when they set none. */
    static JsonNode tickOf(JsonNode statePayload) {
        for (JsonNode op : statePayload.path("ops")) {
            if (("/" + SessionDocument.TICK).equals(op.path("path").asText())) {
                return op.path("value");
            }
        }
        return FrameCodec.mapper().missingNode();
    }

    static String handoffRequest(String id, String session, String to) {
        return encode(id, FrameType.HANDOFF_REQUEST, new HandoffRequest(session, to));
    }

    static String handoffAccept(String id, String session) {
        return encode(id, FrameType.HANDOFF_ACCEPT, new HandoffAnswer(session));
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }

    private static String encode(String id, FrameType type, Object payload) {
        return FrameCodec.encode(Frame.client(id, type, null, FrameCodec.toPayload(payload)));
    }
}
