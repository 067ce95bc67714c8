package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.errorPayload;
import static io.rccs.gateway.GatewayTestSupport.errorWithCode;
import static io.rccs.gateway.GatewayTestSupport.hello;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;

/** SPEC 3.1: only repeated abuse (more than 20 violations a minute) closes a connection, with 4429. */
@QuarkusTest
class AbuseTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @Test
    void twentyBadFramesAreToleratedTheTwentyFirstClosesWith4429() throws Exception {
        try (RccsClient client = connect(connect, "alice")) {
            hello(client, deviceId("gw-abuse"));
            for (int i = 1; i <= 20; i++) {
                client.sendRaw("bad frame " + i);
                client.await(errorWithCode("bad_frame"), WAIT);
            }
            assertThat(client.isOpen()).as("20 violations are allowed").isTrue();
            GatewayTestSupport.pingPong(client);

            client.sendRaw("bad frame 21");
            assertThat(client.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4429);
        }
    }

    @Test
    void aFloodIsRateLimitedAndThenClosedWith4429() throws Exception {
        try (RccsClient client = connect(connect, "alice")) {
            hello(client, deviceId("gw-flood"));
            // far beyond the burst (100) and the rate (50/s): whatever the timing, over 20 are refused
            for (int i = 0; i < 400 && client.isOpen(); i++) {
                try {
                    client.send("ping", null, null);
                } catch (IllegalStateException closedMeanwhile) {
                    break;
                }
            }
            assertThat(client.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4429);
            Frame limited = client.received().stream()
                    .filter(errorWithCode("rate_limited"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no rate_limited error among " + client.received().size() + " frames"));
            assertThat(errorPayload(limited).retryable()).isTrue();
            // the burst went through before the limit bit
            assertThat(client.received().stream().filter(frame -> "pong".equals(frame.type())).count()).isGreaterThanOrEqualTo(100);
        }
    }
}
