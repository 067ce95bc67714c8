package io.rccs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rccs.model.protocol.FrameCodec;

/** Both benchmarks end to end, briefly, against {@link FakeStack}: pairing, the open loop, the answers, the files. */
class BenchmarksAgainstFakeStackTest {

    @TempDir
    Path dir;
    private FakeStack stack;

    @BeforeEach
    void start() throws Exception {
        stack = new FakeStack();
    }

    @AfterEach
    void stop() throws Exception {
        stack.close();
    }

    @Test
    void discoveryAnswersEveryListAndWritesItsFiles() throws Exception {
        DiscoveryOptions options = DiscoveryOptions.parse(stackFlags("--rate", "40", "--duration", "2", "--warmup", "1",
                "--drain", "3", "--users", "2", "--devices", "5", "--online", "3"));

        new DiscoveryBenchmark(options).run();

        JsonNode result = FrameCodec.mapper().readTree(dir.resolve("out/discovery.json").toFile()).path("result");
        assertThat(result.path("sent").asLong()).isEqualTo(80);
        assertThat(result.path("answered").asLong()).isEqualTo(80);
        assertThat(result.path("errors").size()).isZero();
        assertThat(result.path("latencyMs").path("p99").asDouble()).isPositive();
        assertThat(Files.readString(dir.resolve("out/discovery.csv"))).startsWith("rate_lists_s,users,");
        assertThat(Files.readString(dir.resolve("out/discovery.md"))).contains("| lists/s |", "SPEC 6 target");
        for (String user : new String[] {"bench-discovery-01", "bench-discovery-02"}) {
            for (int device = 1; device <= 5; device++) {
                assertThat(stack.device(user, String.format("bench-dev-%02d", device)).trusted).isTrue();
            }
        }
    }

    @Test
    void messagesReachTheReceiversOnceTheSendersArePaired() throws Exception {
        String[] flags = stackFlags("--rates", "20", "--duration", "2", "--warmup", "1", "--drain", "3", "--users", "2");

        new MessagesBenchmark(MessagesOptions.parse(flags)).run();
        new MessagesBenchmark(MessagesOptions.parse(flags)).run(); // the second run says hello with the credentials

        JsonNode step = FrameCodec.mapper().readTree(dir.resolve("out/messages.json").toFile()).path("steps").path(0);
        assertThat(step.path("sent").asLong()).isEqualTo(40);
        assertThat(step.path("delivered").asLong()).isEqualTo(40);
        assertThat(stack.hellosWithCredential).contains("bench-01/bench-rx", "bench-01/bench-tx", "bench-02/bench-tx");
    }

    private String[] stackFlags(String... benchmark) {
        String[] common = {"--keycloak", stack.keycloak().toString(), "--gateways",
            stack.gateways().get(0) + "," + stack.gateways().get(1), "--state-dir", dir.resolve("state").toString(),
            "--out", dir.resolve("out").toString()};
        String[] all = new String[common.length + benchmark.length];
        System.arraycopy(common, 0, all, 0, common.length);
        System.arraycopy(benchmark, 0, all, common.length, benchmark.length);
        return all;
    }
}
