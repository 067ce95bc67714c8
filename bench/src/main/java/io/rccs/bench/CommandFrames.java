package io.rccs.bench;

import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandAck;

/**
 * The frames of the commands benchmark. A submit's {@code args} say what it is, and come back in the
 * {@code command} frame: {@code {run, s: step, i: k, t: intended send time in ns since the run's
 * origin}} for a latency step, {@code {run, f: flush run, i: k}} for a flush.
 */
final class CommandFrames {

    /** What the bench's commands are called; the desktop "runs" them by answering at once. */
    static final String NAME = "bench.noop";

    private CommandFrames() {
    }

    static String latencySubmit(String run, int step, int k, long intendedSinceOrigin) {
        ObjectNode args = FrameCodec.mapper().createObjectNode().put("run", run).put("s", step).put("i", k)
                .put("t", intendedSinceOrigin);
        return submit(SubmitId.latency(run, step, k), args, "normal");
    }

    static String flushSubmit(String run, int flushRun, int k, String priority) {
        ObjectNode args = FrameCodec.mapper().createObjectNode().put("run", run).put("f", flushRun).put("i", k);
        return submit(SubmitId.flush(run, flushRun, k), args, priority);
    }

    /** {@code command.ack}: the device has it (-> DELIVERED). */
    static String ack(String commandId) {
        return client(FrameType.COMMAND_ACK, FrameCodec.toPayload(new CommandAck(commandId)));
    }

    /** {@code command.result ok}: it ran (-> SUCCEEDED). */
    static String result(String commandId) {
        ObjectNode payload = FrameCodec.mapper().createObjectNode().put("commandId", commandId).put("ok", true);
        return client(FrameType.COMMAND_RESULT, payload);
    }

    private static String submit(SubmitId id, ObjectNode args, String priority) {
        ObjectNode payload = FrameCodec.mapper().createObjectNode().put("name", NAME).put("priority", priority);
        payload.set("args", args);
        return FrameCodec.encode(Frame.client(id.text(), FrameType.COMMAND_SUBMIT, CommandUser.DESKTOP_DEVICE, payload));
    }

    private static String client(FrameType type, ObjectNode payload) {
        return FrameCodec.encode(Frame.client(UUID.randomUUID().toString(), type, null, payload));
    }
}
