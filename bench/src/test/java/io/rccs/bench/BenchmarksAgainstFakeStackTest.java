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

/** The benchmarks end to end, briefly, against {@link FakeStack}: pairing, the open loop, the answers, the files. */
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

    @Test
    void commandsReachTheDesktopsAndQueuedOnesComeInPriorityOrder() throws Exception {
        String[] flags = stackFlags("--rates", "20,40", "--duration", "2", "--warmup", "1", "--drain", "3", "--users", "2",
                "--flush-runs", "2", "--flush-commands", "40", "--flush-timeout", "10");

        new CommandsBenchmark(CommandsOptions.parse(flags)).run();

        JsonNode root = FrameCodec.mapper().readTree(dir.resolve("out/commands.json").toFile());
        JsonNode slow = root.path("steps").path(0);
        JsonNode fast = root.path("steps").path(1);
        assertThat(slow.path("sent").asLong()).isEqualTo(40);
        assertThat(slow.path("delivered").asLong()).isEqualTo(40);
        assertThat(slow.path("lost").asLong()).isZero();
        assertThat(fast.path("sent").asLong()).isEqualTo(80);
        assertThat(fast.path("delivered").asLong()).isEqualTo(80);
        assertThat(fast.path("users").asInt()).isEqualTo(2);
        assertThat(fast.path("latencyMs").path("p99").asDouble()).isPositive();
        assertThat(root.path("flushRuns")).hasSize(2);
        for (JsonNode flush : root.path("flushRuns")) {
            assertThat(flush.path("queued").asInt()).isEqualTo(40);
            assertThat(flush.path("received").asInt()).isEqualTo(40);
            assertThat(flush.path("inOrder").asBoolean()).isTrue();
            assertThat(flush.path("dispatchedBeforeHello").asInt()).isZero();
            assertThat(flush.path("duplicates").asInt()).isZero();
            assertThat(flush.path("finished").asInt()).isEqualTo(40);
            assertThat(flush.path("helloToLastMs").asDouble()).isPositive();
            assertThat(flush.path("priorities").path("critical").asInt()).isEqualTo(10);
        }
        // every command was answered (ack, result), the phones acknowledged their statuses, nobody was rate-limited
        assertThat(stack.commands).hasSize(20 * 3 + 40 * 3 + 2 * 40) // the warm-ups' too
                .allMatch(c -> c.status.equals("SUCCEEDED"));
        assertThat(stack.device("bench-cmd-01", CommandUser.PHONE_DEVICE).ackedUpTo).isPositive();
        assertThat(stack.device(CommandFlush.USER, CommandUser.PHONE_DEVICE).ackedUpTo).isPositive();
        assertThat(stack.rateLimited).hasValue(0);
        assertThat(Files.readString(dir.resolve("out/commands.csv"))).startsWith("rate_commands_s,users,");
        assertThat(Files.readString(dir.resolve("out/commands-flush.csv"))).startsWith("run,commands,critical,")
                .contains("\n1,40,10,10,10,10,40,0,0,40,");
        assertThat(Files.readString(dir.resolve("out/commands.md"))).contains("| commands/s |", "| lost |", "| hello->last ms |",
                "p99 <= 50 ms", "in priority order: met in all 2 runs", "not 1,000");
        assertThat(Files.readString(dir.resolve("out/commands-latency.svg"))).contains("commands/s", "p99 target 50 ms");
    }

    @Test
    void aFlushOnlyRunWritesNoLatencyFilesAndReusesTheCredentials() throws Exception {
        String[] flags = stackFlags("--only", "flush", "--flush-runs", "1", "--flush-commands", "8");

        new CommandsBenchmark(CommandsOptions.parse(flags)).run();
        new CommandsBenchmark(CommandsOptions.parse(flags)).run();

        assertThat(dir.resolve("out/commands.csv")).doesNotExist();
        assertThat(dir.resolve("out/commands-latency.svg")).doesNotExist();
        JsonNode root = FrameCodec.mapper().readTree(dir.resolve("out/commands.json").toFile());
        assertThat(root.path("steps")).isEmpty();
        assertThat(root.path("flushRuns").path(0).path("received").asInt()).isEqualTo(8);
        assertThat(stack.hellosWithCredential).contains(CommandFlush.USER + "/" + CommandUser.DESKTOP_DEVICE,
                CommandFlush.USER + "/" + CommandUser.PHONE_DEVICE);
        assertThat(stack.users()).containsExactly(CommandFlush.USER);
    }

    @Test
    void sessionsHandOffBetweenTheDesktopsAndFanOutToAllThreeDevices() throws Exception {
        String[] flags = stackFlags("--duration", "2", "--warmup", "1", "--drain", "3", "--users", "2", "--patch-rate", "20");

        new SessionsBenchmark(SessionsOptions.parse(flags)).run();

        JsonNode root = FrameCodec.mapper().readTree(dir.resolve("out/sessions.json").toFile());
        JsonNode handoff = root.path("handoff");
        assertThat(handoff.path("completed").asLong()).isPositive();
        assertThat(handoff.path("unfinished").asLong()).isZero();
        assertThat(handoff.path("unmatched").asLong()).isZero();
        assertThat(handoff.path("errors").size()).isZero();
        assertThat(handoff.path("notAccepted").size()).isZero();
        assertThat(handoff.path("latencyMs").path("oldOwner").path("p99").asDouble()).isPositive();
        assertThat(handoff.path("latencyMs").path("phone").path("count").asLong())
                .isEqualTo(handoff.path("latencyMs").path("oldOwner").path("count").asLong());
        for (String device : new String[] {"desktopA", "desktopB", "phone"}) {
            JsonNode versions = handoff.path("versions").path(device);
            assertThat(versions.path("inOrder").asLong()).as(device).isPositive();
            assertThat(versions.path("missing").asLong()).as(device).isZero();
            assertThat(versions.path("outOfOrder").asLong()).as(device).isZero();
        }
        JsonNode patches = root.path("fanout").path("patches");
        assertThat(patches.path("sent").asLong()).isEqualTo(40);
        assertThat(patches.path("atAllThree").asLong()).isEqualTo(40);
        assertThat(patches.path("errors").size()).isZero();
        assertThat(root.path("fanout").path("receiptsMs").path("count").asLong()).isEqualTo(120);
        assertThat(root.path("fanout").path("conflicts").asLong()).isZero();
        for (JsonNode versions : root.path("fanout").path("versions")) {
            assertThat(versions.path("inOrder").asLong()).isEqualTo(60); // warm-up and window, one user's share each
            assertThat(versions.path("missing").asLong()).isZero();
        }
        // every session was 64 KiB when handed off, was closed at the end, and the devices acknowledged their inboxes
        assertThat(stack.sessions.values()).hasSize(2).allMatch(session -> !session.open)
                .allMatch(session -> session.document.path("blob3").asText().length() > 20_000);
        assertThat(stack.handoffsAccepted.get()).isPositive();
        assertThat(stack.device("bench-session-01", "bench-phone").ackedUpTo).isPositive();
        assertThat(stack.device("bench-session-02", "bench-desktop-b").ackedUpTo).isPositive();
        assertThat(stack.rateLimited).hasValue(0);
        assertThat(Files.readString(dir.resolve("out/sessions.csv"))).startsWith("part,measure,");
        assertThat(Files.readString(dir.resolve("out/sessions.md"))).contains("SPEC 6 target handoff", "State consistency");

        new SessionsBenchmark(SessionsOptions.parse(stackFlags("--only", "fanout", "--duration", "1", "--warmup", "0",
                "--users", "1", "--patch-rate", "5"))).run(); // the second run's desktops say hello with their credentials
        assertThat(stack.hellosWithCredential).contains("bench-session-01/bench-desktop-a", "bench-session-01/bench-phone");
        assertThat(FrameCodec.mapper().readTree(dir.resolve("out/sessions.json").toFile()).has("handoff")).isFalse();
    }

    @Test
    void connectionsAreEstablishedHeldAndClosedAndTheSecondRunSaysHelloWithCredentials() throws Exception {
        String[] flags = stackFlags("--connections", "25", "--devices-per-user", "10", "--hold", "1", "--in-flight", "4");

        new ConnectionsBenchmark(ConnectionsOptions.parse(flags)).run();
        new ConnectionsBenchmark(ConnectionsOptions.parse(flags)).run();

        JsonNode root = FrameCodec.mapper().readTree(dir.resolve("out/connections.json").toFile());
        assertThat(root.path("connect").path("established").asInt()).isEqualTo(25);
        assertThat(root.path("connect").path("trusted").asInt()).isEqualTo(3); // each user's first device
        assertThat(root.path("connect").path("failures").size()).isZero();
        assertThat(root.path("hold").path("closed").asInt()).isZero();
        assertThat(root.has("gatewayMemory")).isFalse(); // no gateway pid in the state directory
        assertThat(stack.hellosWithCredential).contains("bench-conn-001/conn-010", "bench-conn-003/conn-005");
        assertThat(stack.device("bench-conn-003", "conn-006")).isNull();
        assertThat(Files.readString(dir.resolve("out/connections.md"))).contains("xychart-beta", "established per second",
                "held 25 connections for 1 s: every one stayed open");
        assertThat(Files.readString(dir.resolve("out/connections-timeline.csv"))).startsWith("second,established_total\n");
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
