package io.rccs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rccs.model.protocol.FrameCodec;

/** The pure parts of {@code commands}: flags, submit ids, the priority mix, the order check, routing, pacing, verdicts. */
class CommandsPartsTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreTheIssuesAndEnoughUsersKeepEveryConnectionUnderTheLimit() {
        CommandsOptions options = CommandsOptions.parse(new String[] {"--repo", dir.toString()});

        assertThat(options.rates()).containsExactly(100, 500, 1000);
        assertThat(options.durationSeconds()).isEqualTo(30);
        assertThat(options.warmupSeconds()).isEqualTo(5);
        assertThat(options.drainSeconds()).isEqualTo(10);
        assertThat(options.flushRuns()).isEqualTo(3);
        assertThat(options.flushCommands()).isEqualTo(1000);
        assertThat(options.latency()).isTrue();
        assertThat(options.flush()).isTrue();
        assertThat(options.usersFor(100)).isEqualTo(5);
        assertThat(options.usersFor(500)).isEqualTo(25);
        assertThat(options.usersFor(1000)).isEqualTo(50);
        assertThat(options.maxUsers()).isEqualTo(50);
        assertThat(options.out()).isEqualTo(dir.resolve("docs/bench/commands"));
        // two answers per command on the desktop stay under the paced 45 frames/s
        assertThat(2 * options.perUserRate()).isLessThanOrEqualTo((int) PacedSender.PER_SECOND);
    }

    @Test
    void onlyPicksAPartAndTheLimitsAreEnforced() {
        assertThat(CommandsOptions.parse(new String[] {"--only", "flush"}).latency()).isFalse();
        assertThat(CommandsOptions.parse(new String[] {"--only=latency"}).flush()).isFalse();
        assertThat(CommandsOptions.parse(new String[] {"--flush-runs", "0"}).flush()).isFalse();
        assertThatThrownBy(() -> CommandsOptions.parse(new String[] {"--only", "both"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("latency or flush");
        assertThatThrownBy(() -> CommandsOptions.parse(new String[] {"--per-user-rate", "23"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("raise --users");
        assertThatThrownBy(() -> CommandsOptions.parse(new String[] {"--flush-submit-rate", "40"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("acknowledges");
        assertThatThrownBy(() -> CommandsOptions.parse(new String[] {"--flush-commands", "5000"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("ack timeout");
        assertThatThrownBy(() -> CommandsOptions.parse(new String[] {"--rate", "5"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("unknown flag --rate");
        assertThat(CommandsOptions.USAGE).contains("\n  --rates 100,500,1000", "\n  --flush-runs 3", "\n  --repo .", "at most 22")
                .doesNotEndWith("\n");
    }

    @Test
    void aSubmitIdSaysWhichStepOrFlushRunItBelongsTo() {
        SubmitId step = SubmitId.latency("1a2b3c4d", 2, 345);
        SubmitId flush = SubmitId.flush("1a2b3c4d", 3, 999);

        assertThat(SubmitId.parse(step.text())).isEqualTo(step);
        assertThat(step.isFlush()).isFalse();
        assertThat(step.number()).isEqualTo(2);
        assertThat(SubmitId.parse(flush.text())).isEqualTo(flush);
        assertThat(flush.text()).isEqualTo("1a2b3c4d-f3-999");
        assertThat(flush.isFlush()).isTrue();
        assertThat(flush.number()).isEqualTo(3);
        assertThat(SubmitId.parse(null)).isNull();
        assertThat(SubmitId.parse("5b0e0f1c-2a3b-4c5d-8e9f-0a1b2c3d4e5f")).isNull();
        assertThat(SubmitId.parse("run-x-1")).isNull();
        assertThat(SubmitId.parse("run-1-x")).isNull();
    }

    @Test
    void theSubmitCarriesWhatTheDesktopNeedsToTimeIt() throws Exception {
        JsonNode frame = FrameCodec.mapper().readTree(CommandFrames.latencySubmit("1a2b3c4d", 1, 7, 123_456_789L));

        assertThat(frame.path("type").asText()).isEqualTo("command.submit");
        assertThat(frame.path("id").asText()).isEqualTo("1a2b3c4d-1-7");
        assertThat(frame.path("to").asText()).isEqualTo(CommandUser.DESKTOP_DEVICE);
        assertThat(frame.path("payload").path("priority").asText()).isEqualTo("normal");
        assertThat(frame.path("payload").path("args").path("t").asLong()).isEqualTo(123_456_789L);
        assertThat(FrameCodec.mapper().readTree(CommandFrames.result("c-1")).path("payload").path("ok").asBoolean()).isTrue();
        assertThat(FrameCodec.mapper().readTree(CommandFrames.ack("c-1")).path("type").asText()).isEqualTo("command.ack");
    }

    @Test
    void theMixHasEveryPriorityInAQuarterAndARepeatableOrder() {
        List<String> mix = FlushRun.mix(1000, 42);

        assertThat(Collections.frequency(mix, "critical")).isEqualTo(250);
        assertThat(Collections.frequency(mix, "low")).isEqualTo(250);
        assertThat(FlushRun.mix(1000, 42)).isEqualTo(mix);
        assertThat(FlushRun.mix(1000, 43)).isNotEqualTo(mix);
        assertThat(mix.subList(0, 20)).containsAnyOf("high").containsAnyOf("normal"); // shuffled, not in blocks
    }

    @Test
    void orderMeansPriorityNeverRisesAndSubmitOrderWithinAPriority() {
        List<FlushRun.Arrival> good = List.of(arrival(3, 3), arrival(9, 3), arrival(1, 2), arrival(0, 0), arrival(4, 0));
        assertThat(FlushRun.order(good).violations()).isZero();
        assertThat(FlushRun.order(good).first()).isNull();

        List<FlushRun.Arrival> bad = List.of(arrival(3, 3), arrival(1, 2), arrival(9, 3), arrival(5, 0), arrival(4, 0));
        FlushRun.Order order = FlushRun.order(bad);
        assertThat(order.violations()).isEqualTo(2);
        assertThat(order.first()).isEqualTo("arrival 3: #9 (critical) after #1 (high)");
    }

    @Test
    void aFlushRunCountsStatusesAndArrivalsOfItsOwnCommandsOnly() {
        FlushRun run = new FlushRun("1a2b3c4d", 2, 3, 7);
        run.onStatus(status("1a2b3c4d-f2-0", "c0", "QUEUED"));
        run.onStatus(status("1a2b3c4d-f2-1", "c1", "QUEUED"));
        run.onStatus(status("1a2b3c4d-f2-2", "c2", "QUEUED"));
        run.onStatus(status("1a2b3c4d-f1-0", "old", "QUEUED")); // an earlier run's
        run.onStatus(status(null, "c1", "DISPATCHED"));        // sent while the desktop was away
        run.onStatus(status(null, "old", "SUCCEEDED"));
        run.helloNext();
        long hello = 1_000_000_000L;
        run.onCommand(order(run, 0), "c" + order(run, 0), run.priority(order(run, 0)), hello + 2_000_000);
        run.onCommand(order(run, 0), "c" + order(run, 0), run.priority(order(run, 0)), hello + 2_500_000); // again
        run.onCommand(order(run, 1), "c" + order(run, 1), run.priority(order(run, 1)), hello + 3_000_000);
        assertThat(run.result(hello, hello + 1_000_000).lastMs()).isNaN(); // not all there yet
        run.onCommand(order(run, 2), "c" + order(run, 2), "wrong", hello + 4_000_000);
        run.onForeign();
        for (int k = 0; k < 3; k++) {
            run.onStatus(status(null, "c" + k, "SUCCEEDED"));
        }

        FlushResult result = run.result(hello, hello + 1_000_000);
        assertThat(result.queued()).isEqualTo(3);
        assertThat(result.dispatchedBeforeHello()).isEqualTo(1);
        assertThat(result.received()).isEqualTo(3);
        assertThat(result.duplicates()).isEqualTo(1);
        assertThat(result.foreign()).isEqualTo(1);
        assertThat(result.priorityMismatches()).isEqualTo(1);
        assertThat(result.welcomeMs()).isEqualTo(1.0);
        assertThat(result.firstMs()).isEqualTo(2.0);
        assertThat(result.lastMs()).isEqualTo(4.0);
        assertThat(result.finished()).isEqualTo(3);
        assertThat(result.orderViolations()).isZero();
        assertThat(result.inOrder()).isFalse(); // the priority the frame named was not the submitted one
        assertThat(result.complete()).isTrue();
        assertThat(result.met()).isFalse();
    }

    @Test
    void commandsAndErrorsGoToTheirStepOrFlushRun() {
        RunTracker run = new RunTracker("1a2b3c4d");
        CommandTracker tracker = new CommandTracker(run);
        StepTracker step = new StepTracker(0, 2, 1, 0, 2); // commands 0-3, all measured
        run.begin(step);
        step.onSent(0, null);
        step.onSent(1, null);
        step.onSent(2, null);

        tracker.onCommand(latencyCommand("1a2b3c4d", 0, 0), System.nanoTime());
        tracker.onCommand(latencyCommand("feedbeef", 0, 1), System.nanoTime()); // another run's
        tracker.onError(error("1a2b3c4d-0-1", "unavailable"));
        tracker.onError(error(null, "rate_limited"));
        FlushRun flush = new FlushRun("1a2b3c4d", 1, 2, 1);
        tracker.beginFlush(flush);
        tracker.onCommand(flushCommand("1a2b3c4d", 1, 0, flush.priority(0)), System.nanoTime());
        tracker.onCommand(flushCommand("1a2b3c4d", 9, 0, "low"), System.nanoTime()); // an earlier flush run's
        tracker.onError(error("1a2b3c4d-f1-1", "not_found"));
        tracker.onStatus(status("1a2b3c4d-f1-0", "x", "QUEUED"));
        tracker.endFlush();
        tracker.onStatus(status("1a2b3c4d-f1-1", "y", "QUEUED")); // no flush: ignored

        assertThat(step.delivered()).isEqualTo(1);
        assertThat(step.refused()).isEqualTo(1);
        assertThat(step.errors()).containsEntry("unavailable", 1L).containsEntry("rate_limited", 1L);
        assertThat(run.foreignArrivals()).isEqualTo(2);
        assertThat(flush.received()).isEqualTo(1);
        assertThat(flush.refused()).isEqualTo(1);
        assertThat(flush.queued()).isEqualTo(1);
        assertThat(flush.result(0, 0).foreign()).isEqualTo(1);
    }

    @Test
    void thePacerSendsABurstAtOnceThenWaitsAndLetsUrgentFramesGoFirst() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        AtomicLong clock = new AtomicLong(0);
        List<String> sent = new CopyOnWriteArrayList<>();
        try {
            PacedSender pacer = new PacedSender(timer, clock::get, 10, 2);
            FrameSink sink = (text, outcome) -> sent.add(text);
            pacer.send(sink, "a", false, null);
            pacer.send(sink, "b", false, null);
            pacer.send(sink, "later", false, null);
            pacer.send(sink, "urgent", true, null);
            assertThat(sent).containsExactly("a", "b");
            assertThat(pacer.queued()).isEqualTo(2);

            clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(100)); // one token
            awaitSize(sent, 3);
            assertThat(sent).containsExactly("a", "b", "urgent");
            clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
            awaitSize(sent, 4);
            assertThat(sent).containsExactly("a", "b", "urgent", "later");
            assertThat(pacer.queued()).isZero();
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void inboxAcksAcknowledgeWhatArrivedOnceAndAtOnceAfterManyFrames() throws Exception {
        InboxAcks acks = new InboxAcks();
        List<String> sent = new ArrayList<>();
        FrameSink sink = (text, outcome) -> sent.add(text);
        acks.flush(sink);
        assertThat(sent).isEmpty();
        acks.received(5, sink);
        acks.received(3, sink);
        acks.flush(sink);
        acks.flush(sink);
        assertThat(sent).hasSize(1);
        assertThat(FrameCodec.mapper().readTree(sent.get(0)).path("payload").path("upTo").asLong()).isEqualTo(5);
        for (int seq = 6; seq < 6 + InboxAcks.ACK_EVERY; seq++) {
            acks.received(seq, sink);
        }
        assertThat(sent).hasSize(2);
        assertThat(acks.acked()).isEqualTo(5 + InboxAcks.ACK_EVERY);
    }

    @Test
    void inboxAcksNeverAcknowledgePastAGapAndRepeatAnAckTheRelayMissed() throws Exception {
        InboxAcks acks = new InboxAcks();
        List<Long> upTos = new ArrayList<>();
        FrameSink sink = (text, outcome) -> upTos.add(readUpTo(text));
        acks.received(1, sink);
        acks.received(3, sink);
        acks.received(4, sink);
        acks.flush(sink);
        assertThat(upTos).as("2 is missing: 3 and 4 are not acknowledged yet").containsExactly(1L);
        acks.received(2, sink);
        acks.flush(sink);
        assertThat(upTos).as("the gap filled").containsExactly(1L, 4L);
        acks.flush(sink);
        assertThat(upTos).as("nothing new").hasSize(2);
        acks.received(3, sink); // sent again: the relay did not see the ack
        acks.flush(sink);
        assertThat(upTos).containsExactly(1L, 4L, 4L);

        // a gap with more than MAX_AHEAD behind it will not be filled (the relay keeps no more): given up
        long past = 6 + InboxAcks.MAX_AHEAD;
        for (long seq = 6; seq <= past; seq++) {
            acks.received(seq, null);
        }
        acks.flush(sink);
        assertThat(upTos.get(upTos.size() - 1)).as("5 given up, everything after it acknowledged").isEqualTo(past);
    }

    private static long readUpTo(String ackFrame) {
        try {
            return FrameCodec.mapper().readTree(ackFrame).path("payload").path("upTo").asLong();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theVerdictsSayWhereTheTargetsWereMet() {
        StepResult fast = step(100, 12.5, 0);
        StepResult slow = step(1000, 80, 0);
        StepResult lossy = step(500, 20, 3);
        FlushResult good = flush(1, 400, 0);
        FlushResult late = flush(2, 1500, 0);
        FlushResult disorderly = flush(3, 300, 2);
        CommandsOptions options = CommandsOptions.parse(new String[] {"--repo", dir.toString()});
        MachineInfo machine = new MachineInfo("cpu", 2, 8, "Linux", "Java 17");

        CommandsReport report = new CommandsReport(options, machine, "1a2b3c4d", Instant.EPOCH, 0, List.of(fast, lossy, slow),
                List.of(good, late, disorderly));

        assertThat(report.latencyVerdict()).isEqualTo("SPEC 6 target command submit -> delivered to an online device, "
                + "p99 <= 50 ms: met at 100 (p99 12.5 ms) commands/s; NOT met at 500 (p99 20.0 ms, 3 lost), 1000 (p99 80.0 ms) commands/s");
        assertThat(report.flushVerdict()).startsWith("SPEC 6 target flush of 1,000 queued commands").contains("NOT met: met in 1 of 3 runs",
                "400, 1500, 300 ms", "order broken in 1 runs");
        assertThat(report.flushTable().get(3)).contains("NO (2)");
        assertThat(report.consoleTables()).contains("commands/s", "hello->last ms");
        assertThat(new CommandsReport(options, machine, "r", Instant.EPOCH, 0, List.of(fast), List.of(good)).flushVerdict())
                .contains("met in all 1 runs", "order held in every run");
        assertThat(new LatencyChart(List.of(fast, slow), machine, CommandsReport.CHART_LABELS).svg())
                .contains("RCCS command delivery latency", "offered rate (commands/s, log scale)", "p99 target 50 ms");
    }

    private static StepResult step(int rate, double p99, long lost) {
        return new StepResult(rate, 5, 30, rate * 30L, rate * 30L, 0, rate * 30L - lost, 0, 0, Map.of(), p99 / 2, p99 / 1.5, p99,
                p99 * 1.2, p99 * 1.5, 0.1, 1, Map.of("machine", 10.0));
    }

    private static FlushResult flush(int run, double lastMs, int violations) {
        return new FlushResult(run, 1000, Map.of("critical", 250, "high", 250, "normal", 250, "low", 250), 1000, Map.of(), 0,
                1000, 0, 0, 0, 5, 20, lastMs, violations, violations == 0 ? null : "arrival 2: ...", 1000);
    }

    /** The number of the command that is {@code i}-th in delivery order: highest priority, then submit order. */
    private static int order(FlushRun run, int i) {
        List<Integer> ks = new ArrayList<>(List.of(0, 1, 2));
        ks.sort((a, b) -> FlushRun.rank(run.priority(a)) != FlushRun.rank(run.priority(b))
                ? FlushRun.rank(run.priority(b)) - FlushRun.rank(run.priority(a)) : a - b);
        return ks.get(i);
    }

    private static FlushRun.Arrival arrival(int k, int rank) {
        return new FlushRun.Arrival(k, rank, 0);
    }

    private static ObjectNode status(String corr, String commandId, String status) {
        ObjectNode frame = FrameCodec.mapper().createObjectNode().put("type", "command.status").put("seq", 1);
        if (corr != null) {
            frame.put("corr", corr);
        }
        frame.putObject("payload").put("commandId", commandId).put("status", status);
        return frame;
    }

    private static ObjectNode error(String corr, String code) {
        ObjectNode frame = FrameCodec.mapper().createObjectNode().put("type", "error");
        if (corr != null) {
            frame.put("corr", corr);
        }
        frame.putObject("payload").put("code", code);
        return frame;
    }

    private static ObjectNode latencyCommand(String run, int step, int k) {
        ObjectNode payload = FrameCodec.mapper().createObjectNode().put("commandId", "c" + k).put("priority", "normal");
        payload.putObject("args").put("run", run).put("s", step).put("i", k).put("t", 0);
        return payload;
    }

    private static ObjectNode flushCommand(String run, int flushRun, int k, String priority) {
        ObjectNode payload = FrameCodec.mapper().createObjectNode().put("commandId", "f" + k).put("priority", priority);
        payload.putObject("args").put("run", run).put("f", flushRun).put("i", k);
        return payload;
    }

    private static void awaitSize(List<String> list, int size) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (list.size() < size && System.nanoTime() < deadline) {
            BenchThreads.pause(5);
        }
    }
}
