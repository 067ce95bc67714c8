package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.connect;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.client.RccsClient;

/** SPEC 3: no hello within the hello timeout closes the connection with 4408. */
@QuarkusTest
class HelloTimeoutTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @ConfigProperty(name = "rccs.gateway.hello-timeout")
    Duration helloTimeout;

    @Test
    void aConnectionWithoutHelloIsClosedWith4408() throws Exception {
        assertThat(helloTimeout).as("the test profile shortens the hello timeout").isLessThanOrEqualTo(Duration.ofSeconds(5));
        try (RccsClient client = connect(connect, "alice")) {
            long opened = System.nanoTime();
            int code = client.closed().get(helloTimeout.toMillis() + 15_000, TimeUnit.MILLISECONDS);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
            assertThat(code).isEqualTo(4408);
            // not closed early: the server waited (about) the whole timeout
            assertThat(elapsedMillis).isGreaterThanOrEqualTo(helloTimeout.toMillis() - 500);
        }
    }
}
