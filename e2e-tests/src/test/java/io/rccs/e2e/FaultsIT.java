package io.rccs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.rccs.e2e.Devices.Recorded;
import io.rccs.model.protocol.Frame;

/**
 * Nothing is lost when a piece of the stack fails in the middle of a stream (SPEC 3.2, 3.3): the
 * database, the broker or the cache killed with SIGKILL and started again 12 s later, the database
 * stopped for 30 s, the relay killed during a 500 msg/s stream. The devices are the Java client's
 * {@code RccsDevice}: it resends what it is told to retry, resumes, and hands its application each
 * message once, in order. Tagged {@code faults}: slow (about a minute each); {@code ./rccs test} runs
 * them after the other end-to-end tests. They stop and start parts of the stack through {@code ./rccs}.
 */
@Tag("faults")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FaultsIT {

    /** Messages per second of a plain fault stream (one sender). */
    private static final int STREAM_RATE = 30;
    private static final Duration SETTLE = Duration.ofMinutes(2);

    private final Devices devices = new Devices();
    /** A user of this test alone (JUnit makes a new instance per test): its first device is trusted. */
    private final String user = TestUsers.fresh("faults");
    private Control control;

    @BeforeEach
    void needsTheLauncher() {
        control = Control.fromEnvironment();
        Assumptions.assumeTrue(control != null, "RCCS_E2E_CONTROL names the ./rccs launcher");
    }

    @AfterEach
    void close() {
        devices.close();
    }

    @Test
    void kafkaKilledMidStream() throws Exception {
        killedAndRestarted("kafka");
    }

    @Test
    void redisKilledMidStream() throws Exception {
        killedAndRestarted("redis");
    }

    @Test
    void postgresKilledMidStream() throws Exception {
        killedAndRestarted("postgres");
    }

    @Test
    void postgresStoppedForThirtySecondsWhileMessagesAndHellosKeepComing() throws Exception {
        String desk = Devices.unique("desk");
        Recorded receiver = devices.start(user, desk, 0, null);
        Recorded sender = devices.start(user, Devices.unique("phone"), 1, null);

        CompletableFuture<List<String>> stream = CompletableFuture.supplyAsync(() -> stream(sender, desk, STREAM_RATE, 40 * STREAM_RATE));
        Devices.sleep(3000);
        control.run("service", "stop", "postgres");
        // hellos while the database is down: devices that connect now are welcomed once it is back
        List<String> latecomers = List.of(Devices.unique("late"), Devices.unique("late"));
        List<CompletableFuture<Recorded>> hellos = latecomers.stream()
                .map(id -> CompletableFuture.supplyAsync(() -> devices.start(user, id, List.of(Stack.gateway(1)), null, SETTLE)))
                .toList();
        Devices.sleep(30_000);
        control.run("service", "start", "postgres");

        List<String> sent = stream.get(3, TimeUnit.MINUTES);
        for (CompletableFuture<Recorded> hello : hellos) {
            Recorded late = hello.get(2, TimeUnit.MINUTES);
            assertThat(late.device().welcome()).as("a hello sent while the database was down is answered").isNotNull();
        }
        assertAllDeliveredInOrder(receiver, sent);
    }

    @Test
    void relayKilledDuringA500MessagesPerSecondStream() throws Exception {
        String desk = Devices.unique("desk");
        Recorded receiver = devices.start(user, desk, 0, null);
        int senders = 12; // each under the gateway's 50 frames/s per connection
        List<Recorded> phones = new ArrayList<>();
        for (int i = 0; i < senders; i++) {
            phones.add(devices.start(user, Devices.unique("phone" + i), 1, null));
        }
        int perSender = 42 * 20; // 20 s at 42 msg/s each: 504 msg/s together
        List<CompletableFuture<List<String>>> streams = phones.stream()
                .map(phone -> CompletableFuture.supplyAsync(() -> stream(phone, desk, 42, perSender)))
                .toList();
        Devices.sleep(6000);
        control.run("service", "kill", "relay");
        control.run("service", "start", "relay");

        List<List<String>> sent = new ArrayList<>();
        for (CompletableFuture<List<String>> stream : streams) {
            sent.add(stream.get(3, TimeUnit.MINUTES));
        }
        int total = senders * perSender;
        assertThat(Devices.await(SETTLE, () -> receiver.messages().size() >= total))
                .as("all %d messages handed over, got %d", total, receiver.messages().size()).isTrue();
        assertThat(receiver.messages()).as(() -> describe(receiver.messages(), sent)).hasSize(total);
        assertThat(receiver.messages()).extracting(Frame::seq).isSorted().doesNotHaveDuplicates();
        for (int i = 0; i < senders; i++) {
            String from = phones.get(i).device().deviceId();
            assertThat(receiver.messages().stream().filter(m -> from.equals(m.from())).map(Frame::id).toList())
                    .as("the messages of sender %d, in its order", i).containsExactlyElementsOf(sent.get(i));
        }
    }

    /** A 30 msg/s stream plus 10 commands; {@code component} killed with SIGKILL and started 12 s later. */
    private void killedAndRestarted(String component) throws Exception {
        String desk = Devices.unique("desk");
        Recorded receiver = devices.start(user, desk, 0, null);
        Recorded sender = devices.start(user, Devices.unique("phone"), 1, null);

        CompletableFuture<List<String>> stream = CompletableFuture.supplyAsync(() -> stream(sender, desk, STREAM_RATE, 30 * STREAM_RATE));
        List<String> commands = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> submits = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 10; i++) {
                commands.add(sender.device().send("command.submit", desk, Map.of("name", "roo.task.run",
                        "args", Map.of("n", i))).id());
                Devices.sleep(2000);
            }
        });
        Devices.sleep(4000);
        control.run("service", "kill", component);
        Devices.sleep(12_000);
        control.run("service", "start", component);

        List<String> sent = stream.get(3, TimeUnit.MINUTES);
        submits.get(1, TimeUnit.MINUTES);
        assertAllDeliveredInOrder(receiver, sent);
        // every submit made a command that reached the desk (each submit id once: the sender's id is the key)
        Set<String> commandIds = new HashSet<>();
        assertThat(Devices.await(SETTLE, () -> {
            commandIds.clear();
            receiver.others().stream().filter(frame -> "command".equals(frame.type()))
                    .forEach(frame -> commandIds.add(frame.payload().path("commandId").asText()));
            return commandIds.size() >= 10;
        })).as("10 commands delivered, got %d: %s", commandIds.size(), commandIds).isTrue();
        assertThat(commandIds).hasSize(10);
    }

    /** What was handed over, in short: counts per sender, ids handed over twice, ids never sent. */
    private static String describe(List<Frame> received, List<List<String>> sent) {
        java.util.Map<String, Long> perSender = received.stream()
                .collect(java.util.stream.Collectors.groupingBy(Frame::from, java.util.TreeMap::new, java.util.stream.Collectors.counting()));
        java.util.Map<String, Long> perId = received.stream()
                .collect(java.util.stream.Collectors.groupingBy(Frame::id, java.util.stream.Collectors.counting()));
        List<String> twice = perId.entrySet().stream().filter(e -> e.getValue() > 1).map(java.util.Map.Entry::getKey).limit(10).toList();
        Set<String> all = new HashSet<>();
        sent.forEach(all::addAll);
        long unknown = received.stream().filter(frame -> !all.contains(frame.id())).count();
        List<Frame> firstTwice = received.stream().filter(frame -> twice.contains(frame.id())).limit(6).toList();
        return "per sender " + perSender + "; ids handed over more than once: " + perId.values().stream().filter(n -> n > 1).count()
                + " (e.g. " + firstTwice + "); ids never sent: " + unknown;
    }

    /** Sends {@code count} numbered messages at {@code rate} per second; returns their ids in order. */
    private static List<String> stream(Recorded sender, String to, int rate, int count) {
        List<String> ids = new ArrayList<>(count);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long wait = start + i * 1_000_000_000L / rate - System.nanoTime();
            if (wait > 0) {
                Devices.sleep(wait / 1_000_000);
            }
            ids.add(sender.device().send("message", to, Map.of("i", i)).id());
        }
        return ids;
    }

    private static void assertAllDeliveredInOrder(Recorded receiver, List<String> sent) {
        assertThat(Devices.await(SETTLE, () -> receiver.messages().size() >= sent.size()))
                .as("all %d messages handed over within %s, got %d", sent.size(), SETTLE, receiver.messages().size())
                .isTrue();
        Devices.sleep(1000);
        assertThat(receiver.messages()).extracting(Frame::id).as("every message once, in the order sent")
                .containsExactlyElementsOf(sent);
    }
}
