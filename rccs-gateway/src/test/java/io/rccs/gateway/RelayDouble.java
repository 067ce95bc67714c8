package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.INSTANCE;
import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.awaitReady;
import static io.rccs.gateway.GatewayTestSupport.kafkaBootstrap;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.common.ServerFrames;
import io.rccs.gateway.rest.RestExchanges;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.model.protocol.payload.Welcome;

/**
 * Plays the device relay for the gateway under test (no relay runs in these tests): it reads what
 * the gateway publishes on rccs.frames.in and answers on the gateway's partition of rccs.deliveries
 * ({@link GatewayTestSupport#INSTANCE}), addressed to the publishing connection (or REST exchange),
 * as the relay does. Only a welcome binds a connection to its device, so every test that needs a
 * device online here goes through {@link #hello} and {@link #welcome}.
 */
final class RelayDouble implements AutoCloseable {

    /** A hello as the client sent it and as the gateway published it. */
    record PublishedHello(Frame hello, EventTail.Event record, InboundFrame inbound) {

        String connectionId() {
            return inbound.connectionId();
        }

        String userId() {
            return inbound.userId();
        }

        String deviceId() {
            return inbound.deviceId();
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final EventTail framesIn;
    private final DeliveriesProducer deliveries;

    private RelayDouble(EventTail framesIn, DeliveriesProducer deliveries) {
        this.framesIn = framesIn;
        this.deliveries = deliveries;
    }

    /**
     * Waits until the gateway reads its deliveries partition (it starts from the partition's end: an
     * answer written before that would pass it by), then starts reading rccs.frames.in from its end.
     */
    static RelayDouble open(URI readyUrl) {
        awaitReady(readyUrl);
        EventTail framesIn = EventTail.framesIn(kafkaBootstrap());
        try {
            return new RelayDouble(framesIn, new DeliveriesProducer(kafkaBootstrap(), INSTANCE));
        } catch (RuntimeException e) {
            framesIn.close();
            throw e;
        }
    }

    /** rccs.frames.in, read from when this double was opened. */
    EventTail framesIn() {
        return framesIn;
    }

    // ------------------------------------------------------------------------------- hello

    /** A hello payload of a test device; {@code credential} null for a device's first hello. */
    static Hello helloPayload(String deviceId, String credential) {
        return new Hello(deviceId, "gateway test " + deviceId, "desktop", "java", "gateway-test", List.of("notify"), null,
                credential);
    }

    /** Sends a first hello (no credential) as {@code deviceId}; returns it as published. */
    PublishedHello hello(RccsClient client, String deviceId) {
        return hello(client, helloPayload(deviceId, null));
    }

    /** Sends the hello and returns it as the gateway published it, checking what it made of the credential. */
    PublishedHello hello(RccsClient client, Hello payload) {
        return published(client.sendHello(payload), payload.credential());
    }

    /**
     * Finds the hello on rccs.frames.in by its frame id (which tells the connection id) and checks
     * the credential: only its SHA-256 travels, of the one presented or of one the gateway made.
     */
    PublishedHello published(Frame hello, String presentedCredential) {
        EventTail.Event record = framesIn.await("the hello " + hello.id(), frameWithId(hello.id()), WAIT);
        InboundFrame inbound = inbound(record);
        assertThat(inbound.frame().type()).isEqualTo("hello");
        assertThat(inbound.connectionId()).isNotBlank();
        assertThat(inbound.gateway()).isEqualTo(INSTANCE);
        assertThat(inbound.frame().payload().hasNonNull("credential")).as("the published hello has no credential").isFalse();
        assertThat(inbound.credentialHash()).as("credentialHash (SHA-256, base64url)").matches("[A-Za-z0-9_-]{43}");
        if (presentedCredential == null) {
            assertThat(inbound.credentialIssued()).as("credentialIssued of a hello without credential").isTrue();
        } else {
            assertThat(inbound.credentialIssued()).as("credentialIssued of a hello with a credential").isFalse();
            assertThat(inbound.credentialHash()).isEqualTo(sha256(presentedCredential));
            assertThat(record.value()).as("the published hello record").doesNotContain(presentedCredential);
        }
        return new PublishedHello(hello, record, inbound);
    }

    /**
     * Answers the hello with a welcome to its connection and waits until the client has it; checks
     * that a credential the gateway made is in it (and only then), matching the published hash.
     */
    Frame welcome(RccsClient client, PublishedHello hello, boolean trusted) {
        Frame welcome = Frame.server(ServerFrames.newId(), FrameType.WELCOME, hello.hello().id(),
                FrameCodec.toPayload(new Welcome(hello.connectionId(), hello.deviceId(), trusted, 15, false, 0)));
        answer(hello.inbound(), welcome);
        Frame received = client.await(FrameMatcher.id(welcome.id()), WAIT);
        assertThat(received.type()).isEqualTo("welcome");
        assertThat(received.corr()).isEqualTo(hello.hello().id());
        assertThat(received.payload().path("trusted").asBoolean(!trusted)).isEqualTo(trusted);
        if (Boolean.TRUE.equals(hello.inbound().credentialIssued())) {
            String credential = received.payload().path("credential").asText(null);
            assertThat(credential).as("the credential the gateway made, in the welcome").isNotNull();
            assertThat(sha256(credential)).as("SHA-256 of the welcome's credential").isEqualTo(hello.inbound().credentialHash());
            assertThat(hello.record().value()).as("the published hello record").doesNotContain(credential);
        } else {
            assertThat(received.payload().hasNonNull("credential")).as("a credential in the welcome of a known device").isFalse();
        }
        return received;
    }

    /** Refuses the hello with an error (corr = hello id) to its connection; returns it as the client got it. */
    Frame refuse(RccsClient client, PublishedHello hello, ErrorCode code, String message) {
        Frame error = ServerFrames.error(hello.hello().id(), code, message);
        answer(hello.inbound(), error);
        return client.await(FrameMatcher.id(error.id()), WAIT);
    }

    /** hello and a welcome: the device is online on this gateway; returns the connection id. */
    String online(RccsClient client, String deviceId, boolean trusted) {
        PublishedHello hello = hello(client, deviceId);
        welcome(client, hello, trusted);
        return hello.connectionId();
    }

    // ------------------------------------------------------------------------------- REST

    /**
     * The next REST request of {@code userId} of this frame type from the gateway under test: a frame
     * of the user without a device (matched so, as the test users' devices may be busy on the live
     * stack), to an exchange id; checked to be keyed by the user and to carry the roles and no credential.
     */
    InboundFrame request(String userId, String type) {
        EventTail.Event event = framesIn.await("a REST " + type + " of " + userId, e -> {
            InboundFrame inbound = inbound(e);
            return inbound != null && userId.equals(inbound.userId()) && inbound.deviceId() == null
                    && inbound.connectionId() != null && inbound.connectionId().startsWith(RestExchanges.PREFIX)
                    && INSTANCE == inbound.gateway() && inbound.frame() != null && type.equals(inbound.frame().type());
        }, WAIT);
        assertThat(event.key()).isEqualTo(userId);
        InboundFrame inbound = inbound(event);
        assertThat(inbound.roles()).contains("rccs-user");
        assertThat(inbound.credentialHash()).isNull();
        return inbound;
    }

    // ------------------------------------------------------------------------------- deliveries

    /** Sends a frame to the connection (or REST exchange) that published {@code inbound}, as an answer to it. */
    void answer(InboundFrame inbound, Frame frame) {
        deliveries.send(Delivery.toConnection(inbound.userId(), inbound.deviceId(), inbound.connectionId(), frame));
    }

    /** Writes a delivery to the gateway's partition. */
    void deliver(Delivery delivery) {
        deliveries.send(delivery);
    }

    /** Writes any text to the gateway's partition (a malformed delivery). */
    void deliverRaw(String key, String value) {
        deliveries.sendRaw(key, value);
    }

    // ------------------------------------------------------------------------------- matching

    /** The published client frame of a frames.in record, or null when the record is something else. */
    static InboundFrame inbound(EventTail.Event event) {
        if (!EventTypes.FRAME_RECEIVED.equals(event.event().type())) {
            return null;
        }
        try {
            return event.event().data(InboundFrame.class);
        } catch (IllegalArgumentException notOurs) {
            return null;
        }
    }

    /** Matches the published client frame with this frame id. */
    static Predicate<EventTail.Event> frameWithId(String frameId) {
        return event -> {
            InboundFrame inbound = inbound(event);
            return inbound != null && inbound.frame() != null && frameId.equals(inbound.frame().id());
        };
    }

    /** SHA-256 of a credential, base64url without padding (docs/security.md), computed here independently. */
    static String sha256(String credential) {
        try {
            return BASE64URL.encodeToString(MessageDigest.getInstance("SHA-256").digest(credential.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A credential as the gateway makes them: 256 random bits, base64url. */
    static String newCredential() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return BASE64URL.encodeToString(secret);
    }

    @Override
    public void close() {
        try {
            deliveries.close();
        } finally {
            framesIn.close();
        }
    }
}
