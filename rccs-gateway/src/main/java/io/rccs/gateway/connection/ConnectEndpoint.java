package io.rccs.gateway.connection;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.quarkus.websockets.next.WebSocketSecurity;
import io.rccs.common.ServerFrames;
import io.rccs.common.TaggedCounters;
import io.rccs.common.consumption.Failures;
import io.rccs.gateway.GatewayConfig;
import io.rccs.gateway.routing.InboundPublisher;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.AuthRefresh;
import io.rccs.model.protocol.payload.AuthRefreshed;
import io.rccs.model.protocol.payload.Hello;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

/**
 * {@code GET /v1/connect}: the one WebSocket endpoint of RCCS. The upgrade is authenticated by the
 * HTTP security layer (see application.properties), so every connection here has a verified user.
 * The gateway answers ping itself, checks every frame, and publishes the rest to Kafka for the
 * services; what they answer comes back through {@link io.rccs.gateway.routing.DeliveryReceiver}.
 */
@WebSocket(path = ConnectEndpoint.PATH)
public class ConnectEndpoint {

    /** The endpoint's path (also the HTTP permission's, in application.properties). */
    static final String PATH = "/v1/connect";

    private final SecurityIdentity identity;
    private final LocalConnections connections;
    private final ConnectionEnds ends;
    private final WebSocketSecurity security;
    private final InboundPublisher publisher;
    private final FrameSender sender;
    private final GatewayConfig config;
    private final FrameCodec codec;
    private final MeterRegistry metrics;
    private final TaggedCounters framesIn;
    private final Vertx vertx;
    private final HelloVerdicts verdicts;

    /** What a pending device may send besides hello and ping: it can only pair (SPEC 3.4). */
    static final Set<FrameType> PENDING_MAY_SEND = EnumSet.of(FrameType.PAIR_CLAIM);

    public ConnectEndpoint(SecurityIdentity identity, LocalConnections connections, ConnectionEnds ends,
            WebSocketSecurity security, InboundPublisher publisher, FrameSender sender, GatewayConfig config,
            MeterRegistry metrics, Vertx vertx, HelloVerdicts verdicts) {
        this.verdicts = verdicts;
        this.identity = identity;
        this.connections = connections;
        this.ends = ends;
        this.security = security;
        this.publisher = publisher;
        this.sender = sender;
        this.config = config;
        this.codec = new FrameCodec(config.maxFrameBytes());
        this.metrics = metrics;
        this.framesIn = new TaggedCounters(metrics, "rccs_frames_in_total", "type");
        this.vertx = vertx;
    }

    @OnOpen
    @NonBlocking
    public void onOpen(WebSocketConnection socket) {
        DeviceConnection connection = new DeviceConnection(socket, identity.getPrincipal().getName(),
                List.copyOf(identity.getRoles()), new RateLimiter(config.rateLimitPerSecond(), config.rateLimitBurst(),
                        config.maxViolationsPerMinute(), System.nanoTime()), config.maxPublishesInFlight());
        if (!connections.opened(connection, config.maxConnectionsPerUser())) {
            metrics.counter("rccs_connections_refused_total", "reason", "per_user_limit").increment();
            sender.close(connection, CloseCodes.TOO_MANY_CONNECTIONS,
                    "more than " + config.maxConnectionsPerUser() + " connections of this user on this gateway");
            return;
        }
        connection.timers(-1, expiryTimer(connection, identity.getAttribute(IDENTITY_EXPIRES_AT)));
        verdicts.restartHelloTimer(connection);
        metrics.counter("rccs_connections_opened_total").increment();
        Log.debugf("connection %s opened by %s", socket.id(), connection.userId());
    }

    /** The role every connection's token must carry (the HTTP permission on the upgrade asks for it too). */
    static final String REQUIRED_ROLE = "rccs-user";

    /** Epoch seconds at which the connection's token expires (set by Quarkus on the identity). */
    static final String IDENTITY_EXPIRES_AT = "quarkus.identity.expire-time";

    /**
     * Closes the connection with 4401 a margin before its token expires: Quarkus closes it at the
     * expiry itself, with 1008, and the client must see the code SPEC 3 promises.
     */
    private long expiryTimer(DeviceConnection connection, Long expiresAt) {
        if (expiresAt == null) {
            return -1;
        }
        long delay = Math.max(1, expiresAt * 1000 - System.currentTimeMillis() - config.tokenExpiryMargin().toMillis());
        return vertx.setTimer(delay, ignored -> sender.close(connection, CloseCodes.TOKEN_EXPIRED, "token expired"));
    }

    @OnPongMessage
    @NonBlocking
    public void onPong(Buffer data, WebSocketConnection socket) {
        DeviceConnection connection = connections.byConnectionId(socket.id());
        if (connection != null) {
            connection.heard(System.nanoTime());
        }
    }

    @OnTextMessage
    public Uni<Void> onText(String text, WebSocketConnection socket) {
        DeviceConnection connection = connections.byConnectionId(socket.id());
        if (connection == null) {
            return Uni.createFrom().voidItem();
        }
        connection.heard(System.nanoTime());
        if (!connection.rateLimiter().tryAcquire(System.nanoTime())) {
            return violation(connection, null, ErrorCode.RATE_LIMITED, "more than " + config.rateLimitPerSecond() + " frames/s");
        }
        Frame frame;
        try {
            frame = codec.decode(text);
        } catch (ProtocolException e) {
            return violation(connection, e.corr(), e.code(), e.getMessage());
        }
        framesIn.increment(frame.type());
        if (!connection.saidHello()) {
            return frame.is(FrameType.HELLO) ? hello(connection, frame)
                    : violation(connection, frame.id(), ErrorCode.BAD_FRAME, "the first frame must be hello");
        }
        if (frame.is(FrameType.HELLO)) {
            sender.error(connection, frame.id(), ErrorCode.CONFLICT, "this connection already said hello");
            return Uni.createFrom().voidItem();
        }
        if (frame.is(FrameType.PING)) {
            sender.send(connection, ServerFrames.of(FrameType.PONG, frame.id(), null));
            return Uni.createFrom().voidItem();
        }
        if (frame.is(FrameType.AUTH_REFRESH)) {
            return refresh(connection, frame);
        }
        if (connection.awaitingWelcome()) {
            // until the relay has checked the device's credential, nothing may go out in its name
            sender.error(connection, frame.id(), ErrorCode.UNAVAILABLE, "wait for the welcome, then send it again");
            return Uni.createFrom().voidItem();
        }
        if (!connection.trusted() && !PENDING_MAY_SEND.contains(frame.frameType())) {
            sender.error(connection, frame.id(), ErrorCode.NOT_TRUSTED, "this device is not trusted yet: pair it first");
            return Uni.createFrom().voidItem();
        }
        return publish(connection, frame);
    }

    /**
     * {@code auth.refresh}: Quarkus authenticates the new token and makes it the connection's identity
     * only if it names the same user (otherwise the old identity stays); the connection then lives
     * until the new token's expiry. The device stays the one this connection said hello as.
     */
    private Uni<Void> refresh(DeviceConnection connection, Frame frame) {
        AuthRefresh refresh;
        try {
            refresh = FrameCodec.payload(frame, AuthRefresh.class);
        } catch (ProtocolException e) {
            return violation(connection, frame.id(), e.code(), e.getMessage());
        }
        return Uni.createFrom().completionStage(() -> security.updateSecurityIdentity(refresh.token()))
                .onItem().invoke(refreshed -> {
                    if (!refreshed.hasRole(REQUIRED_ROLE)) {
                        // the upgrade's permission is not checked again by Quarkus: a token without the role
                        // keeps nothing open past the current token's expiry
                        throw new SecurityException("the token lacks role " + REQUIRED_ROLE);
                    }
                    if (connections.byConnectionId(connection.connectionId()) != connection) {
                        return; // closed meanwhile: no timer for a connection that is gone
                    }
                    Long expiresAt = refreshed.getAttribute(IDENTITY_EXPIRES_AT);
                    vertx.cancelTimer(connection.expiryTimer());
                    connection.timers(connection.helloTimer(), expiryTimer(connection, expiresAt));
                    connection.roles(List.copyOf(refreshed.getRoles()));
                    sender.send(connection, ServerFrames.of(FrameType.AUTH_OK, frame.id(),
                            new AuthRefreshed(expiresAt == null ? 0 : expiresAt)));
                })
                .onFailure().invoke(failure -> {
                    Log.debugf("auth.refresh of %s refused: %s", connection.connectionId(), failure.getClass().getSimpleName());
                    // refused tokens count as violations: verifying tokens is not free
                    violation(connection, frame.id(), ErrorCode.FORBIDDEN,
                            "the token was refused: it must be a valid token of this connection's user with role " + REQUIRED_ROLE);
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /**
     * Checks the hello and passes it on; the connection is bound to the device only when the relay
     * welcomes it ({@link HelloVerdicts}), after checking the device's credential. The credential
     * never leaves the gateway: the relay gets its SHA-256. A device without one is given a new one
     * here, which the relay registers if the device is new and the welcome hands to the client.
     */
    private Uni<Void> hello(DeviceConnection connection, Frame frame) {
        Hello hello;
        try {
            hello = FrameCodec.payload(frame, Hello.class);
        } catch (ProtocolException e) {
            return violation(connection, frame.id(), e.code(), e.getMessage());
        }
        String issued = hello.credential() == null ? DeviceCredentials.newCredential() : null;
        String hash = DeviceCredentials.hash(issued != null ? issued : hello.credential());
        connection.helloReceived(hello.deviceId(), frame.id(), hash, issued);
        vertx.cancelTimer(connection.helloTimer());
        return publish(connection, frame.withPayload(FrameCodec.toPayload(hello.withoutCredential())));
    }

    /**
     * Queues the frame for the broker and goes on with the next frame at once (the rate limit sees
     * frames as they arrive, whatever the broker does). A connection's frames are handed to the
     * producer in order, a bounded window at a time ({@link PublishQueue}): a broker restart shorter
     * than the producer's delivery timeout (120 s) only delays them, in order; what cannot be
     * published is answered {@code unavailable} (retryable) together with everything waiting behind
     * it, and later frames are refused until the client sends it again, so the resends keep the
     * order. The queue is bounded, so a stalled broker cannot fill memory.
     */
    private Uni<Void> publish(DeviceConnection connection, Frame frame) {
        if (connection.publishing().offer(frame, System.nanoTime()) == PublishQueue.Offer.REFUSED) {
            if (frame.is(FrameType.HELLO)) {
                // never published: the connection must say hello again (and within the hello timeout)
                connection.helloFailed();
                verdicts.restartHelloTimer(connection);
            }
            sender.error(connection, frame.id(), ErrorCode.UNAVAILABLE,
                    "frames before this one are waiting for the broker or must be sent again first: send it again later");
        } else {
            publishWaiting(connection);
        }
        return Uni.createFrom().voidItem();
    }

    private void publishWaiting(DeviceConnection connection) {
        for (Frame next : connection.publishing().take()) {
            publisher.frame(connection, next).subscribe().with(published -> {
                connection.publishing().published();
                publishWaiting(connection);
            }, failure -> {
                List<Frame> refused = connection.publishing().failed(next, System.nanoTime());
                if (connection.awaitingWelcome() && next.id().equals(connection.helloId())) {
                    // the hello never reached the relay: the client says hello again
                    connection.helloFailed();
                    verdicts.restartHelloTimer(connection);
                }
                Log.warnf("could not publish a %s frame of %s (%d frames refused with it): %s", next.type(),
                        connection.connectionId(), refused.size() - 1, Failures.describe(failure));
                for (Frame frame : refused) {
                    sender.error(connection, frame.id(), ErrorCode.UNAVAILABLE, "the service is unavailable, send it again later");
                }
            });
        }
    }

    private Uni<Void> violation(DeviceConnection connection, String corr, ErrorCode code, String message) {
        sender.error(connection, corr, code, message);
        if (connection.rateLimiter().recordViolation(System.nanoTime())) {
            sender.close(connection, CloseCodes.ABUSE, "too many bad frames");
        }
        return Uni.createFrom().voidItem();
    }

    /**
     * A frame past the WebSocket layer's limit (72 KiB, a little above the protocol's 64 KiB) fails
     * while it is read, before it is buffered whole: the socket is closed with 1009 (message too
     * big) instead of the framework's 1011 (server error). Anything else unexpected is 1011.
     */
    @OnError
    public Uni<Void> onError(Throwable failure, WebSocketConnection socket) {
        // a message over the limit in fragments: Vert.x refuses to buffer more; in one frame: Netty's decoder
        // refuses it and closes the channel itself (the close is then recorded as 1005)
        boolean tooBig = failure instanceof IllegalStateException && String.valueOf(failure.getMessage()).contains("overflow")
                || failure instanceof CorruptedWebSocketFrameException;
        if (tooBig) {
            metrics.counter("rccs_connections_closed_total", "reason", "too_big").increment();
        } else {
            Log.warnf("connection %s failed: %s", socket.id(), Failures.describe(failure));
        }
        return socket.isClosed() ? Uni.createFrom().voidItem()
                : socket.close(tooBig ? new CloseReason(1009, "a frame larger than the limit") : CloseReason.INTERNAL_SERVER_ERROR)
                        .onFailure().recoverWithNull();
    }

    @OnClose
    public Uni<Void> onClose(WebSocketConnection socket) {
        DeviceConnection connection = connections.byConnectionId(socket.id());
        if (connection == null) {
            return Uni.createFrom().voidItem();
        }
        return ends.ended(connection, socket.closeReason() == null ? 1006 : socket.closeReason().getCode());
    }
}
