package io.rccs.model.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One frame of wire protocol v1 (SPEC 3): the envelope, with the payload kept as JSON so that a
 * frame can travel through Kafka unchanged; {@link FrameCodec#payload} maps it to its record.
 *
 * @param v       protocol version, always 1
 * @param id      sender-unique id, 1..64 characters; the idempotency key of a submit or a message
 * @param type    the frame type's wire name (see {@link FrameType})
 * @param to      target device id, optional
 * @param from    sender device id, set by the server on what it delivers
 * @param corr    the id of the frame this one answers
 * @param seq     per-device sequence number, server to client only
 * @param ts      epoch milliseconds
 * @param payload the type's payload, never null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Frame(int v, String id, String type, String to, String from, String corr, Long seq, Long ts,
        ObjectNode payload) {

    public static final int VERSION = 1;
    public static final int MAX_ID_LENGTH = 64;

    public Frame {
        if (payload == null) {
            payload = JsonNodeFactory.instance.objectNode();
        }
    }

    /** A frame the server sends, answering {@code corr} (which may be null). */
    public static Frame server(String id, FrameType type, String corr, ObjectNode payload) {
        return new Frame(VERSION, id, type.wire(), null, null, corr, null, System.currentTimeMillis(), payload);
    }

    /** A frame a client sends. */
    public static Frame client(String id, FrameType type, String to, ObjectNode payload) {
        return new Frame(VERSION, id, type.wire(), to, null, null, null, System.currentTimeMillis(), payload);
    }

    public FrameType frameType() {
        return FrameType.fromWire(type).orElseThrow(() -> new IllegalArgumentException("unknown frame type " + type));
    }

    public boolean is(FrameType frameType) {
        return frameType.wire().equals(type);
    }

    public Frame withFrom(String newFrom) {
        return new Frame(v, id, type, to, newFrom, corr, seq, ts, payload);
    }

    public Frame withPayload(ObjectNode newPayload) {
        return new Frame(v, id, type, to, from, corr, seq, ts, newPayload);
    }

    public Frame withSeq(Long newSeq) {
        return new Frame(v, id, type, to, from, corr, newSeq, ts, payload);
    }
}
