package io.rccs.gateway.rest;

import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.model.protocol.payload.Payload;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;

/**
 * What every REST resource does with a request: check the payload as the codec would (400 without
 * asking), send it in the caller's name through {@link RestExchanges}, and turn the service's
 * {@code error} frame, its silence or its absence into a {@link Problem}.
 */
@ApplicationScoped
public class RestCalls {

    private final RestExchanges exchanges;
    private final SecurityIdentity identity;

    public RestCalls(RestExchanges exchanges, SecurityIdentity identity) {
        this.exchanges = exchanges;
        this.identity = identity;
    }

    /** Asks the service that owns {@code type}; {@code onAnswer} maps any answer but an {@code error} frame. */
    public Uni<Response> ask(FrameType type, Payload payload, Function<Frame, Response> onAnswer) {
        return ask(type, null, null, payload, onAnswer);
    }

    /** As {@link #ask(FrameType, Payload, Function)}, with the frame's id (null: a fresh one) and target. */
    public Uni<Response> ask(FrameType type, String frameId, String to, Payload payload, Function<Frame, Response> onAnswer) {
        try {
            payload.validate();
        } catch (ProtocolException e) {
            return refused(e);
        }
        String userId = identity.getPrincipal().getName();
        String service = serviceName(type);
        return exchanges.ask(userId, List.copyOf(identity.getRoles()), type, frameId, to, payload)
                .map(answer -> {
                    if (answer.is(FrameType.ERROR)) {
                        ErrorPayload error = payloadOrNull(answer, ErrorPayload.class);
                        ErrorCode code = error == null ? ErrorCode.UNAVAILABLE : ErrorCode.fromWire(error.code()).orElse(ErrorCode.UNAVAILABLE);
                        return Problem.of(code, error == null ? service + " could not answer" : error.message());
                    }
                    return onAnswer.apply(answer);
                })
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("REST %s of %s failed: %s", type.wire(), userId, failure.toString());
                    return Problem.of(ErrorCode.UNAVAILABLE, failure instanceof TimeoutException
                            ? service + " did not answer in time: try again" : service + " is unavailable: try again");
                });
    }

    /** A request refused before anything was sent. */
    public static Uni<Response> refused(ProtocolException e) {
        return Uni.createFrom().item(Problem.of(e.code(), e.getMessage()));
    }

    /** The answer's payload as {@code type}, or null when it does not fit. */
    public static <T> T payloadOrNull(Frame frame, Class<T> type) {
        try {
            return FrameCodec.payload(frame, type);
        } catch (ProtocolException e) {
            return null;
        }
    }

    /** The answer's payload when the answer is of the {@code expected} type, else null. */
    public static <T> T payloadOrNull(Frame frame, FrameType expected, Class<T> type) {
        return frame.is(expected) ? payloadOrNull(frame, type) : null;
    }

    /** The answer to a {@code type} request was not what the service answers to it: a fault of the service, not the caller. */
    public static Response unexpectedAnswer(FrameType type, Frame answer) {
        Log.warnf("REST %s: unexpected answer %s", type.wire(), answer.type());
        return Problem.of(ErrorCode.UNAVAILABLE, serviceName(type) + " gave an answer that was not expected: try again");
    }

    /** Who answers {@code type}, as the problem texts name it. */
    static String serviceName(FrameType type) {
        return Topics.isCommandQueueFrame(type.wire()) ? "the command queue" : "the device service";
    }
}
