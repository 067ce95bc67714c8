package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.errorPayload;
import static io.rccs.gateway.GatewayTestSupport.pingPong;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.model.protocol.payload.Welcome;

/**
 * SPEC 3.4: between hello and its welcome nothing goes out in the device's name (only ping is
 * answered: anything else gets {@code error unavailable}, retryable), and nothing reaches the
 * connection but the answer to its hello (corr = hello id).
 */
@QuarkusTest
class BeforeWelcomeTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    private static Frame message(String text) {
        return new Frame(Frame.VERSION, "m-" + UUID.randomUUID(), FrameType.MESSAGE.wire(), null, "other", null, null,
                System.currentTimeMillis(), FrameCodec.toPayload(Map.of("text", text)));
    }

    /** Sends the frame and expects {@code error unavailable} answering it; returns the frame sent. */
    private static Frame refusedAsUnavailable(RccsClient client, String type, Object payload) {
        Frame sent = client.send(type, null, payload);
        ErrorPayload refusal = errorPayload(client.await(FrameMatcher.type("error").and(FrameMatcher.corr(sent.id())), WAIT));
        assertThat(refusal.code()).as("the answer to a " + type + " before the welcome").isEqualTo("unavailable");
        assertThat(refusal.retryable()).isTrue();
        assertThat(refusal.message()).contains("welcome");
        return sent;
    }

    @Test
    void beforeTheWelcomeFramesAreRefusedAndOnlyTheHellosAnswerIsDelivered() {
        String sub = subject(token("alice"));
        String device = deviceId("gw-early");
        try (RelayDouble relay = RelayDouble.open(ready);
                RccsClient client = connect(connect, "alice")) {
            RelayDouble.PublishedHello hello = relay.hello(client, device);

            Frame early = refusedAsUnavailable(client, "message", Map.of("text", "too early"));
            Frame earlyClaim = refusedAsUnavailable(client, "pair.claim", Map.of("code", "ACDE3467"));
            pingPong(client);
            Frame secondHello = client.sendHello(RelayDouble.helloPayload(device, null));
            assertThat(errorPayload(client.await(FrameMatcher.type("error").and(FrameMatcher.corr(secondHello.id())), WAIT)).code())
                    .isEqualTo("conflict");

            // none of these reach the connection: not for the device (it is not bound yet), not for the
            // connection unless they answer the hello
            Frame byDevice = message("for the device, before its welcome");
            relay.deliver(Delivery.of(sub, device, byDevice));
            Frame toConnection = message("for the connection, not an answer to its hello");
            relay.answer(hello.inbound(), toConnection);
            Frame otherWelcome = Frame.server(ServerFrames.newId(), FrameType.WELCOME, "not-" + hello.hello().id(),
                    FrameCodec.toPayload(new Welcome(hello.connectionId(), device, true, 15, false, 0)));
            relay.answer(hello.inbound(), otherWelcome);
            Frame otherError = ServerFrames.error("not-" + hello.hello().id(), ErrorCode.FORBIDDEN, "not this hello");
            relay.answer(hello.inbound(), otherError);

            // the answer to the hello is delivered (after the others: they were all handled by then)
            relay.welcome(client, hello, true);
            assertThat(client.received()).extracting(Frame::id)
                    .doesNotContain(byDevice.id(), toConnection.id(), otherWelcome.id(), otherError.id());

            // after the welcome, frames go out; the refused ones never did (same user, same partition, earlier)
            Frame late = client.send("message", "other", Map.of("text", "in time"));
            relay.framesIn().await("the message " + late.id(), RelayDouble.frameWithId(late.id()), WAIT);
            Set<String> refused = Set.of(early.id(), earlyClaim.id(), secondHello.id());
            assertThat(relay.framesIn().notTaken()).map(RelayDouble::inbound)
                    .noneMatch(inbound -> inbound != null && inbound.frame() != null && refused.contains(inbound.frame().id()));
            assertThat(client.isOpen()).isTrue();
        }
    }
}
