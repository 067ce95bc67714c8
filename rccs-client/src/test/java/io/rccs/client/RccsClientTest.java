package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.rccs.model.protocol.payload.Hello;

class RccsClientTest {

    @Test
    void helloPayloadHasNoNulls() {
        Hello hello = RccsClient.helloPayload("laptop-1", null, "desktop", List.of("notify"), null);
        var payload = RccsClient.payloadOf(hello);
        assertThat(payload.get("deviceId").textValue()).isEqualTo("laptop-1");
        assertThat(payload.get("name").textValue()).isEqualTo("laptop-1");
        assertThat(payload.has("resume")).isFalse();
        assertThat(payload.get("appVersion").textValue()).isEqualTo(RccsClient.APP_VERSION);
        assertThat(RccsClient.payloadOf(RccsClient.helloPayload("d", "n", "mobile", List.of(), 5L))
                .get("resume").get("lastSeq").longValue()).isEqualTo(5);
    }

    @Test
    void helloPayloadCarriesTheCredentialOnlyWhenGiven() {
        Hello known = RccsClient.helloPayload("laptop-1", "Laptop", "desktop", List.of(), 3L, "cred_1");
        assertThat(known.credential()).isEqualTo("cred_1");
        assertThat(RccsClient.payloadOf(known).get("credential").textValue()).isEqualTo("cred_1");
        assertThat(RccsClient.payloadOf(RccsClient.helloPayload("laptop-1", null, "desktop", List.of(), null)).has("credential"))
                .isFalse();
    }

    @Test
    void aRefusedUpgradeReportsTheHttpStatus() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread refuser = new Thread(() -> {
                try (Socket socket = server.accept()) {
                    InputStream in = socket.getInputStream();
                    // read the request head, then refuse it
                    int matched = 0;
                    byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                    while (matched < end.length) {
                        int b = in.read();
                        if (b < 0) {
                            return;
                        }
                        matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException ignored) {
                    // the test fails on the client side
                }
            });
            refuser.setDaemon(true);
            refuser.start();
            URI url = URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/v1/connect");
            assertThat(RccsClient.upgradeStatus(url, null)).isEqualTo(401);
        }
    }

    @Test
    void noServerIsAConnectFailureWithoutStatus() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        URI url = URI.create("ws://127.0.0.1:" + port + "/v1/connect");
        assertThatThrownBy(() -> RccsClient.connect(url, "t", Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(RccsConnectException.class, e -> assertThat(e.httpStatus()).isEqualTo(-1));
    }
}
