package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.errorPayload;
import static io.rccs.gateway.GatewayTestSupport.kafkaBootstrap;
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
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.model.protocol.payload.PairResult;

/**
 * SPEC 3.4: a device the relay welcomes with trusted=false may only pair. The gateway answers
 * anything else it sends with {@code error not_trusted} and publishes none of it; of what the
 * services send it, only welcome, error, pong, pair.result and reconnect reach it. An approved
 * pair.result for the device makes it trusted from then on.
 */
@QuarkusTest
class PendingDeviceTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    private static Frame message(String text) {
        return new Frame(Frame.VERSION, "m-" + UUID.randomUUID(), FrameType.MESSAGE.wire(), null, "other", null, null,
                System.currentTimeMillis(), FrameCodec.toPayload(Map.of("text", text)));
    }

    private static Frame pairResult(String deviceId, boolean approved) {
        return ServerFrames.of(FrameType.PAIR_RESULT, null, new PairResult(deviceId, approved));
    }

    /** Sends the frame and expects {@code error not_trusted} answering it; returns the frame sent. */
    private static Frame refusedAsNotTrusted(RccsClient client, String type, String to, Object payload) {
        Frame sent = client.send(type, to, payload);
        Frame error = client.await(FrameMatcher.type("error").and(FrameMatcher.corr(sent.id())), WAIT);
        ErrorPayload refusal = errorPayload(error);
        assertThat(refusal.code()).as("the answer to a " + type + " of a pending device").isEqualTo("not_trusted");
        assertThat(refusal.retryable()).isFalse();
        return sent;
    }

    private static boolean publishedAny(EventTail tail, Set<String> frameIds) {
        return tail.notTaken().stream().map(RelayDouble::inbound)
                .anyMatch(inbound -> inbound != null && inbound.frame() != null && frameIds.contains(inbound.frame().id()));
    }

    @Test
    void aPendingDeviceMayOnlyPairUntilAnApprovedPairResult() {
        String sub = subject(token("alice"));
        String device = deviceId("gw-pending");
        try (EventTail commandsIn = EventTail.commandsIn(kafkaBootstrap());
                RelayDouble relay = RelayDouble.open(ready);
                RccsClient client = connect(connect, "alice")) {
            relay.online(client, device, false);

            // what a pending device may not send is refused at once, by the gateway
            Frame message = refusedAsNotTrusted(client, "message", "other", Map.of("text", "hi"));
            Frame submit = refusedAsNotTrusted(client, "command.submit", "other", Map.of("name", "noop"));
            Frame list = refusedAsNotTrusted(client, "devices.list", null, Map.of());
            Frame ack = refusedAsNotTrusted(client, "ack", null, Map.of("upTo", 0));
            pingPong(client);

            // pair.claim goes through; published after anything sent before it (same user, same partition)
            Frame claim = client.send("pair.claim", null, Map.of("code", "ACDE3467"));
            InboundFrame published = RelayDouble.inbound(relay.framesIn().await("the pair.claim " + claim.id(),
                    RelayDouble.frameWithId(claim.id()), WAIT));
            assertThat(published.userId()).isEqualTo(sub);
            assertThat(published.deviceId()).isEqualTo(device);
            assertThat(published.frame().type()).isEqualTo("pair.claim");
            assertThat(published.frame().payload().path("code").asText()).isEqualTo("ACDE3467");
            assertThat(publishedAny(relay.framesIn(), Set.of(message.id(), list.id(), ack.id())))
                    .as("a refused frame of the pending device on rccs.frames.in").isFalse();

            // of what the services send it, a message is dropped and a pair.result goes through (in order:
            // once the pair.result is there, the message before it was handled)
            Frame toPending = message("not for a pending device");
            relay.deliver(Delivery.of(sub, device, toPending));
            Frame forAnother = pairResult(deviceId("gw-another"), true);
            relay.deliver(Delivery.of(sub, device, forAnother));
            client.await(FrameMatcher.id(forAnother.id()), WAIT);
            assertThat(client.received()).extracting(Frame::id).doesNotContain(toPending.id());

            // another device's approval and this device's denial leave it pending
            refusedAsNotTrusted(client, "message", "other", Map.of("text", "still pending?"));
            Frame denied = pairResult(device, false);
            relay.deliver(Delivery.of(sub, device, denied));
            client.await(FrameMatcher.id(denied.id()), WAIT);
            refusedAsNotTrusted(client, "message", "other", Map.of("text", "denied"));

            // approved: from now on the device is trusted both ways
            Frame approved = pairResult(device, true);
            relay.deliver(Delivery.of(sub, device, approved));
            Frame result = client.await(FrameMatcher.id(approved.id()), WAIT);
            assertThat(result.payload().path("approved").asBoolean()).isTrue();

            Frame toTrusted = message("now you may");
            relay.deliver(Delivery.of(sub, device, toTrusted));
            client.await(FrameMatcher.id(toTrusted.id()), WAIT);

            Frame trustedMessage = client.send("message", "other", Map.of("text", "trusted now"));
            relay.framesIn().await("the message " + trustedMessage.id(), RelayDouble.frameWithId(trustedMessage.id()), WAIT);
            Frame trustedSubmit = client.send("command.submit", "other", Map.of("name", "noop"));
            commandsIn.await("the command.submit " + trustedSubmit.id(), RelayDouble.frameWithId(trustedSubmit.id()), WAIT);
            assertThat(publishedAny(commandsIn, Set.of(submit.id())))
                    .as("the command.submit refused while pending, on rccs.commands.in").isFalse();
            assertThat(client.received()).noneMatch(FrameMatcher.type("error").and(FrameMatcher.corr(trustedMessage.id())
                    .or(FrameMatcher.corr(trustedSubmit.id()))));
            assertThat(client.isOpen()).isTrue();
        }
    }
}
