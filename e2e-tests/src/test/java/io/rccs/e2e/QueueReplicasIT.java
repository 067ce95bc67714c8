package io.rccs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;

/**
 * Two command-queue replicas share the work (SPEC 3.3: "safe with several replicas"): 1,000 commands
 * submitted concurrently by ten users' phones are each dispatched once — no attempt number is ever
 * dispatched twice — and killing one replica with SIGKILL in the middle loses none. Tagged
 * {@code faults}: it starts the second replica ({@code ./rccs service start queue-2}) and kills and
 * restarts the first; afterwards it waits until the queue's consumer groups hold only the restarted
 * replica again ({@link QueueGroups}), so the tests after it find every partition read.
 */
@Tag("faults")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class QueueReplicasIT {

    private static final int PHONES = 10;
    private static final int PER_PHONE = 100;
    /** Per phone (one per user): what a person's phone might send in a burst; 40 commands/s together. */
    private static final int SUBMITS_PER_SECOND = 4;

    /** Ten users, each a desk and a phone: a user's frames are handled in order, users in parallel. */
    private final List<Household> households = new ArrayList<>();
    private Control control;

    @BeforeEach
    void needsTheLauncher() {
        control = Control.fromEnvironment();
        Assumptions.assumeTrue(control != null, "RCCS_E2E_CONTROL names the ./rccs launcher");
    }

    @AfterEach
    void close() {
        households.forEach(Household::close);
        if (control != null) {
            control.run("service", "start", "queue");
            control.run("service", "stop", "queue-2");
            // the killed replica stays a member until its session times out (10 s): the tests after this
            // one need every partition read again, or new devices there are unknown to the queue
            QueueGroups.awaitSettled(1, Duration.ofSeconds(90));
        }
    }

    @Test
    void twoReplicasDispatchEachCommandOnceAndAKilledOneLosesNone() throws Exception {
        control.run("service", "start", "queue-2");
        QueueGroups.awaitSettled(2, Duration.ofSeconds(90)); // both replicas hold partitions before the stream
        List<RccsClient> phones = new ArrayList<>();
        Map<String, Map<Integer, Set<Long>>> attempts = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> acking = new ArrayList<>();
        for (int i = 0; i < PHONES; i++) {
            Household user = Household.fresh("replicas");
            households.add(user);
            RccsClient desk = user.trusted(0, "desk", List.of("roo.task@1"));
            phones.add(user.trusted(1, "phone", List.of()));
            // each desk acknowledges every command it gets, as a real device does
            acking.add(CompletableFuture.runAsync(() -> ackAll(desk, attempts, PHONES * PER_PHONE)));
        }

        List<CompletableFuture<List<String>>> submitting = phones.stream()
                .map(phone -> CompletableFuture.supplyAsync(() -> submitAll(phone, PER_PHONE)))
                .toList();
        Devices.sleep(5_000); // in the middle of the stream (25 s long)
        control.run("service", "kill", "queue");
        Set<String> submitted = new TreeSet<>();
        for (CompletableFuture<List<String>> phone : submitting) {
            submitted.addAll(phone.get(2, TimeUnit.MINUTES));
        }
        assertThat(submitted).hasSize(PHONES * PER_PHONE);

        // every command reaches the desk (the survivor takes over the killed one's partitions and rows)
        boolean all = Devices.await(Duration.ofMinutes(2), () -> attempts.size() == PHONES * PER_PHONE);
        acking.forEach(ack -> ack.cancel(true));
        assertThat(all).as("all %d commands reached the desk, got %d", PHONES * PER_PHONE, attempts.size()).isTrue();
        // no attempt was dispatched twice (by two replicas): each command's attempts are 1..n, each dispatched at one time
        Map<String, Map<Integer, Set<Long>>> broken = attempts.entrySet().stream()
                .filter(e -> !e.getValue().keySet().equals(contiguous(e.getValue().size()))
                        || e.getValue().values().stream().anyMatch(times -> times.size() != 1))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(broken).as("commands whose attempts are not 1..n, each dispatched once").isEmpty();
        long retried = attempts.values().stream().filter(a -> a.size() > 1).count();
        System.out.printf("replicas: %d commands delivered, %d of them retried after the kill%n", attempts.size(), retried);
    }

    /** Submits {@code count} commands to the desk, paced under the gateway's rate limit; returns their command ids once each is answered. */
    private static List<String> submitAll(RccsClient phone, int count) {
        List<String> ids = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long wait = start + i * 1_000_000_000L / SUBMITS_PER_SECOND - System.nanoTime();
            if (wait > 0) {
                Devices.sleep(wait / 1_000_000);
            }
            ids.add(phone.send("command.submit", "desk", Map.of("name", "n" + i)).id());
        }
        List<String> commandIds = new ArrayList<>();
        for (String id : ids) {
            Frame answer = phone.await(FrameMatcher.corr(id).and(FrameMatcher.type("command.status").or(FrameMatcher.type("error"))),
                    Duration.ofMinutes(2));
            assertThat(answer.type()).as("answer to %s: %s", id, answer).isEqualTo("command.status");
            commandIds.add(answer.payload().path("commandId").asText());
        }
        return commandIds;
    }

    private static void ackAll(RccsClient desk, Map<String, Map<Integer, Set<Long>>> attempts, int expected) {
        while (!Thread.currentThread().isInterrupted() && attempts.size() < expected) {
            desk.poll(Duration.ofMillis(200)).filter(frame -> "command".equals(frame.type())).ifPresent(frame -> {
                String commandId = frame.payload().path("commandId").asText();
                attempts.computeIfAbsent(commandId, ignored -> new ConcurrentHashMap<>())
                        .computeIfAbsent(frame.payload().path("attempt").asInt(), ignored -> ConcurrentHashMap.newKeySet())
                        .add(frame.ts());
                desk.send("command.ack", null, Map.of("commandId", commandId));
            });
        }
    }

    private static Set<Integer> contiguous(int n) {
        Set<Integer> expected = new TreeSet<>();
        for (int i = 1; i <= n; i++) {
            expected.add(i);
        }
        return expected;
    }
}
