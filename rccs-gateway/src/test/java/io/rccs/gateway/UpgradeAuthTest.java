package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.token;
import static io.rccs.gateway.GatewayTestSupport.ws;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import java.time.Duration;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.websockets.next.OpenConnections;
import io.quarkus.websockets.next.WebSocketConnection;
import io.rccs.client.RccsClient;

/** SPEC 3: the upgrade of /v1/connect needs a valid bearer token; anything else is HTTP 401 and no socket. */
@QuarkusTest
class UpgradeAuthTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @Test
    void withoutATokenTheUpgradeIsRefusedWith401() {
        assertThat(RccsClient.upgradeStatus(ws(connect), null)).isEqualTo(401);
    }

    @Test
    void withAGarbageTokenTheUpgradeIsRefusedWith401() {
        assertThat(RccsClient.upgradeStatus(ws(connect), "not-a-jwt")).isEqualTo(401);
        // well-formed but unsigned and from nowhere
        String forged = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5IiwiYXVkIjoicmNjcy1zZXJ2aWNlcyJ9.";
        assertThat(RccsClient.upgradeStatus(ws(connect), forged)).isEqualTo(401);
    }

    @Test
    void withAValidUserTokenTheUpgradeSucceeds() {
        assertThat(RccsClient.upgradeStatus(ws(connect), token("alice"))).isEqualTo(101);
    }

    @Inject
    OpenConnections open;

    /** The verified token is not kept with the connection (issue 9: heap per idle connection). */
    @Test
    void anOpenConnectionKeepsNoCopyOfItsBearerHeader() throws Exception {
        try (RccsClient client = RccsClient.connect(ws(connect), token("alice"), Duration.ofSeconds(10))) {
            WebSocketConnection connection = Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> open.listAll().stream().findFirst(), java.util.Optional::isPresent).orElseThrow();
            assertThat(connection.handshakeRequest().header("authorization")).isNull();
            assertThat(connection.handshakeRequest().header("upgrade")).isEqualToIgnoringCase("websocket");
        }
    }
}
