package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.errorPayload;
import static io.rccs.gateway.GatewayTestSupport.errorWithCode;
import static io.rccs.gateway.GatewayTestSupport.hello;
import static io.rccs.gateway.GatewayTestSupport.pingPong;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.payload.ErrorPayload;

/** SPEC 3.1: bad input gets an error frame with the right code and corr, and the connection stays open. */
@QuarkusTest
class BadInputTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @Test
    void badFramesGetErrorsAndTheConnectionStaysOpen() {
        try (RccsClient client = connect(connect, "alice")) {
            // a first frame that is not hello
            Frame early = client.send("ping", null, null);
            Frame notHello = client.await(errorWithCode("bad_frame").and(FrameMatcher.corr(early.id())), WAIT);
            assertThat(errorPayload(notHello).message()).contains("hello");
            assertThat(client.pending()).noneMatch(FrameMatcher.type("pong"));

            // what the relay's columns could not hold is refused here, at once, and the client may say hello again
            String tooLong = "{\"v\":1,\"id\":\"h-long\",\"type\":\"hello\",\"payload\":{\"deviceId\":\"" + deviceId("gw-bad")
                    + "\",\"name\":\"n\",\"kind\":\"desktop\",\"platform\":\"" + "p".repeat(65) + "\"}}";
            client.sendRaw(tooLong);
            ErrorPayload platform = errorPayload(client.await(errorWithCode("bad_frame").and(FrameMatcher.corr("h-long")), WAIT));
            assertThat(platform.message()).contains("platform").contains("64");
            client.sendRaw("{\"v\":1,\"id\":\"h-nul\",\"type\":\"hello\",\"payload\":{\"deviceId\":\"d\",\"name\":\"n\\u0000\","
                    + "\"kind\":\"desktop\"}}");
            ErrorPayload control = errorPayload(client.await(errorWithCode("bad_frame").and(FrameMatcher.corr("h-nul")), WAIT));
            assertThat(control.message()).contains("control characters");

            hello(client, deviceId("gw-bad"));

            client.sendRaw("not json");
            ErrorPayload notJson = errorPayload(client.await(errorWithCode("bad_frame"), WAIT));
            assertThat(notJson.retryable()).isFalse();

            String unknownId = "x-" + UUID.randomUUID();
            client.sendRaw("{\"v\":1,\"id\":\"" + unknownId + "\",\"type\":\"no.such.type\",\"payload\":{}}");
            Frame unknown = client.await(FrameMatcher.type("error").and(FrameMatcher.corr(unknownId)), WAIT);
            assertThat(errorPayload(unknown).code()).isEqualTo("unknown_type");

            String big = "{\"v\":1,\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"message\",\"payload\":{\"text\":\""
                    + "a".repeat(64 * 1024 + 1) + "\"}}";
            client.sendRaw(big);
            client.await(errorWithCode("too_large"), WAIT);

            assertThat(client.isOpen()).isTrue();
            Frame pong = pingPong(client);
            assertThat(pong.type()).isEqualTo("pong");
            assertThat(client.isOpen()).isTrue();
            assertThat(client.closed()).isNotDone();
        }
    }
}
