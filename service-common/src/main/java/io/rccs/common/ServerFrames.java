package io.rccs.common;

import java.util.UUID;

import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.ErrorPayload;

/** Frames the servers write: each gets a fresh id; answers carry the id of the frame they answer. */
public final class ServerFrames {

    private ServerFrames() {
    }

    public static String newId() {
        return "s-" + UUID.randomUUID();
    }

    /** A server frame answering {@code corr} (null for unsolicited frames). */
    public static Frame of(FrameType type, String corr, Object payload) {
        return Frame.server(newId(), type, corr, FrameCodec.toPayload(payload));
    }

    public static Frame error(String corr, ErrorCode code, String message) {
        return error(corr, code, message, null);
    }

    /** An error with {@code details} for the client (e.g. the current version of a conflict); null for none. */
    public static Frame error(String corr, ErrorCode code, String message, com.fasterxml.jackson.databind.JsonNode details) {
        return of(FrameType.ERROR, corr, new ErrorPayload(code.wire(), message, code.retryable(), details));
    }
}
