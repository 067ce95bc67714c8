package io.rccs.gateway.rest;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.gateway.GatewayConfig;
import io.rccs.gateway.routing.InboundPublisher;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * REST through the one base URL, over the same path as the WebSocket: a request becomes a frame of
 * the user without a device, published to Kafka like any other; the owning service answers it to
 * an exchange id on this gateway's deliveries partition, and the answer completes the HTTP request.
 * Services are reached only through Kafka (SPEC 2), and REST gets their checks for free.
 */
@ApplicationScoped
public class RestExchanges {

    /** Exchange ids start with this, so that a delivery for one is told from one for a connection. */
    public static final String PREFIX = "rest-";

    /** A request waiting for its answer, and whose it is. */
    private record Waiting(String userId, UniEmitter<? super Frame> emitter) {
    }

    private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
    private final InboundPublisher publisher;
    private final GatewayConfig config;

    public RestExchanges(InboundPublisher publisher, GatewayConfig config) {
        this.publisher = publisher;
        this.config = config;
    }

    /** Sends the frame in the user's name and waits for the answer; fails with a TimeoutException after rccs.gateway.rest-timeout. */
    public Uni<Frame> ask(String userId, List<String> roles, FrameType type, Object payload) {
        return ask(userId, roles, type, null, null, payload);
    }

    /**
     * As {@link #ask(String, List, FrameType, Object)}, with the frame's id and target chosen by the
     * caller: a submit's id is its idempotency key (null: the exchange id). The exchange id is always
     * a fresh one, so two requests that carry the same frame id are each answered to their own.
     */
    public Uni<Frame> ask(String userId, List<String> roles, FrameType type, String frameId, String to, Object payload) {
        String exchangeId = PREFIX + UUID.randomUUID();
        Frame frame = Frame.client(frameId == null ? exchangeId : frameId, type, to, payload == null ? null
                : io.rccs.model.protocol.FrameCodec.toPayload(payload));
        return Uni.createFrom().<Frame>emitter(emitter -> {
            waiting.put(exchangeId, new Waiting(userId, emitter));
            publisher.request(userId, roles, exchangeId, frame).subscribe().with(ignored -> {
            }, failure -> {
                if (waiting.remove(exchangeId) != null) {
                    emitter.fail(failure);
                }
            });
        }).ifNoItem().after(config.restTimeout()).fail().onTermination().invoke(() -> waiting.remove(exchangeId));
    }

    /**
     * Completes the exchange this answer is for; false when none waits here (it timed out, or another
     * instance's) or the answer is for another user than the one who asked.
     */
    public boolean answer(String exchangeId, String userId, Frame frame) {
        Waiting request = waiting.get(exchangeId);
        if (request == null || !request.userId().equals(userId) || !waiting.remove(exchangeId, request)) {
            return false;
        }
        request.emitter().complete(frame);
        return true;
    }
}
