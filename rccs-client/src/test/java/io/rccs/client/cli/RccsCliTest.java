package io.rccs.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.client.FakeGateway;
import io.rccs.model.protocol.FrameCodec;

/** The command-line client against a scripted gateway: its credential file and the pair command. */
class RccsCliTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path credentials;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private static String aliceToken() {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        return encoder.encodeToString("{}".getBytes(StandardCharsets.UTF_8)) + "."
                + encoder.encodeToString("{\"preferred_username\":\"alice\"}".getBytes(StandardCharsets.UTF_8)) + ".sig";
    }

    private CompletableFuture<Integer> run(FakeGateway gateway, String input) {
        RccsCli cli = new RccsCli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String[] args = {"--url", gateway.url().toString(), "--token", aliceToken(), "--device", "laptop",
                "--credentials", credentials.toString()};
        return CompletableFuture.supplyAsync(() -> cli.run(args,
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8))));
    }

    private static ObjectNode json() {
        return FrameCodec.mapper().createObjectNode();
    }

    @Test
    void keepsTheCredentialInAPrivateFileAndPairs() throws Exception {
        Path file = credentials.resolve("alice").resolve("laptop");
        try (FakeGateway gateway = new FakeGateway()) {
            CompletableFuture<Integer> exit = run(gateway, "pair\n");
            FakeGateway.Connection connection = gateway.nextConnection(WAIT);
            JsonNode hello = connection.next(WAIT);
            assertThat(hello.path("payload").has("credential")).isFalse();
            connection.send("w-1", "welcome", hello.path("id").asText(), json().put("deviceId", "laptop")
                    .put("trusted", true).put("heartbeatSec", 0).put("credential", "cli-credential"));

            JsonNode start = connection.next(WAIT);
            assertThat(start.path("type").asText()).isEqualTo("pair.start");
            connection.send("s-1", "pair.code", start.path("id").asText(), json().put("code", "ACDEFGHJ")
                    .put("expiresAt", System.currentTimeMillis() + 300_000).put("uri", "rccs://pair?code=ACDEFGHJ"));
            assertThat(exit.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isZero();
        }
        assertThat(Files.readString(file).strip()).isEqualTo("cli-credential");
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("\"credential\":\"(saved)\"", "\"type\":\"pair.code\"").doesNotContain("cli-credential");
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("its credential is in " + file)
                .contains("pairing code ACDEFGHJ", "claim ACDEFGHJ", "rccs://pair?code=ACDEFGHJ");

        // the next run proves the device with it
        try (FakeGateway gateway = new FakeGateway()) {
            CompletableFuture<Integer> exit = run(gateway, "claim\n");
            FakeGateway.Connection connection = gateway.nextConnection(WAIT);
            JsonNode hello = connection.next(WAIT);
            assertThat(hello.path("payload").path("credential").asText()).isEqualTo("cli-credential");
            connection.send("e-1", "error", hello.path("id").asText(), json().put("code", "forbidden")
                    .put("message", "the credential does not match").put("retryable", false));
            assertThat(exit.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isZero();
        }
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("hello was refused (forbidden): the credential does not match")
                .contains("delete that file to register it anew")
                .contains("usage: claim CODE");
    }

    @Test
    void aPendingDeviceIsToldHowToPair() throws Exception {
        try (FakeGateway gateway = new FakeGateway()) {
            CompletableFuture<Integer> exit = run(gateway, "");
            FakeGateway.Connection connection = gateway.nextConnection(WAIT);
            JsonNode hello = connection.next(WAIT);
            connection.send("w-1", "welcome", hello.path("id").asText(), json().put("deviceId", "laptop")
                    .put("trusted", false).put("heartbeatSec", 0).put("credential", "c"));
            connection.send("r-1", "pair.result", null, json().put("deviceId", "laptop").put("approved", true));
            assertThat(exit.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isZero();
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("this device is pending", "this device is trusted now");
    }
}
