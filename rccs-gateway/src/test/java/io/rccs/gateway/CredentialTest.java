package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.connect;
import static io.rccs.gateway.GatewayTestSupport.deviceId;
import static io.rccs.gateway.GatewayTestSupport.subject;
import static io.rccs.gateway.GatewayTestSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.client.RccsClient;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.Frame;

/**
 * SPEC 3.4, docs/security.md: the device credential never leaves the gateway. A hello without one is
 * published with the SHA-256 of a credential the gateway made (credentialIssued), and the welcome
 * hands that credential to the client; a hello with one is published with its SHA-256 only.
 */
@QuarkusTest
class CredentialTest {

    @TestHTTPResource("/v1/connect")
    URI connect;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @Test
    void aFirstHelloIsGivenACredentialWhoseHashWasPublished() {
        String sub = subject(token("alice"));
        String device = deviceId("gw-cred-new");
        try (RelayDouble relay = RelayDouble.open(ready);
                RccsClient client = connect(connect, "alice")) {
            RelayDouble.PublishedHello hello = relay.hello(client, RelayDouble.helloPayload(device, null));
            InboundFrame inbound = hello.inbound();
            assertThat(inbound.userId()).isEqualTo(sub);
            assertThat(inbound.credentialIssued()).isTrue();
            assertThat(inbound.credentialHash()).hasSize(43).matches("[A-Za-z0-9_-]+");
            assertThat(inbound.frame().payload().hasNonNull("credential")).isFalse();

            Frame welcome = relay.welcome(client, hello, true);
            String credential = welcome.payload().path("credential").asText(null);
            assertThat(credential).isNotNull().hasSize(43).matches("[A-Za-z0-9_-]+");
            assertThat(RelayDouble.sha256(credential)).isEqualTo(inbound.credentialHash());
            assertThat(hello.record().value()).doesNotContain(credential);
            // the rest of the welcome is the relay's, unchanged
            assertThat(welcome.payload().path("connectionId").asText()).isEqualTo(hello.connectionId());
            assertThat(welcome.payload().path("deviceId").asText()).isEqualTo(device);
        }
    }

    @Test
    void aHelloWithACredentialIsPublishedWithItsHashOnly() {
        String device = deviceId("gw-cred-known");
        String credential = RelayDouble.newCredential();
        try (RelayDouble relay = RelayDouble.open(ready);
                RccsClient client = connect(connect, "alice")) {
            RelayDouble.PublishedHello hello = relay.hello(client, RelayDouble.helloPayload(device, credential));
            InboundFrame inbound = hello.inbound();
            assertThat(inbound.credentialIssued()).isFalse();
            assertThat(inbound.credentialHash()).isEqualTo(RelayDouble.sha256(credential));
            assertThat(hello.record().value()).as("the whole published record").doesNotContain(credential);
            assertThat(inbound.frame().payload().hasNonNull("credential")).isFalse();
            // the rest of the hello is passed on as it was
            assertThat(inbound.frame().payload().path("deviceId").asText()).isEqualTo(device);
            assertThat(inbound.frame().payload().path("name").asText()).isEqualTo("gateway test " + device);

            Frame welcome = relay.welcome(client, hello, true);
            assertThat(welcome.payload().hasNonNull("credential")).as("no credential for a device that has one").isFalse();
        }
    }
}
