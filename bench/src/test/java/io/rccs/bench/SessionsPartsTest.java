package io.rccs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rccs.bench.SessionsBenchmark.FanoutResult;
import io.rccs.bench.SessionsBenchmark.HandoffResult;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.StatePatch;

/** The pure parts of {@code sessions}: flags, the document's growth, frames, version order, fan-out bookkeeping, the report. */
class SessionsPartsTest {

    private static final String SESSION = "5b0e0f1c-2a3b-4c5d-8e9f-0a1b2c3d4e5f";

    @TempDir
    Path dir;

    @Test
    void defaultsHandOffA64KibSessionAndFanOut100PatchesOver5Users() {
        SessionsOptions options = SessionsOptions.parse(new String[] {"--repo", dir.toString()});

        assertThat(options.durationSeconds()).isEqualTo(30);
        assertThat(options.warmupSeconds()).isEqualTo(5);
        assertThat(options.drainSeconds()).isEqualTo(10);
        assertThat(options.users()).isEqualTo(5);
        assertThat(options.documentKib()).isEqualTo(64);
        assertThat(options.documentBytes()).isEqualTo(65_536);
        assertThat(options.patchRate()).isEqualTo(100);
        assertThat(options.handoffRate()).isEqualTo(20);
        assertThat(options.handoff()).isTrue();
        assertThat(options.fanout()).isTrue();
        assertThat(options.out()).isEqualTo(dir.resolve("docs/bench/sessions"));
        assertThat(SessionsOptions.patchesPerUser(100, 5)).isEqualTo(20);
        assertThat(SessionsOptions.patchesPerUser(101, 5)).isEqualTo(21);
    }

    @Test
    void onlyPicksAPartAndTheLimitsAreEnforced() {
        SessionsOptions handoffOnly = SessionsOptions.parse(new String[] {"--only", "handoff", "--patch-rate", "1000"});
        assertThat(handoffOnly.fanout()).isFalse();
        assertThat(handoffOnly.handoff()).isTrue();
        assertThat(SessionsOptions.parse(new String[] {"--only=fanout"}).handoff()).isFalse();
        assertThat(SessionsOptions.parse(new String[] {"--patch-rate", "150", "--users", "5"}).patchRate()).isEqualTo(150);
        assertThatThrownBy(() -> SessionsOptions.parse(new String[] {"--patch-rate", "151", "--users", "5"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("raise --users");
        assertThatThrownBy(() -> SessionsOptions.parse(new String[] {"--handoff-rate", "31"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("a frame per handoff");
        assertThatThrownBy(() -> SessionsOptions.parse(new String[] {"--document-kib", "193"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("256 KiB");
        assertThatThrownBy(() -> SessionsOptions.parse(new String[] {"--only", "both"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("handoff or fanout");
        assertThatThrownBy(() -> SessionsOptions.parse(new String[] {"--rates", "5"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("unknown flag --rates");
        assertThat(SessionsOptions.USAGE).contains("\n  --duration 30", "\n  --document-kib 64", "\n  --patch-rate 100", "\n  --handoff-rate 20",
                "\n  --repo .", "at most 30 per user").doesNotEndWith("\n");
    }

    @Test
    void theDocumentGrowsToExactlyTheRequestedSizeInPatchesThatFitAFrame() throws Exception {
        List<ArrayNode> growth = SessionDocument.growth(65_536);

        assertThat(growth).hasSize(3);
        ObjectNode document = SessionDocument.initial();
        for (ArrayNode ops : growth) {
            JsonNode op = ops.get(0);
            assertThat(op.path("op").asText()).isEqualTo("add");
            document.set(op.path("path").asText().substring(1), op.path("value"));
            String frame = FrameCodec.encode(Frame.client(SessionFrames.newId(), FrameType.STATE_PATCH, null,
                    FrameCodec.toPayload(new StatePatch(SESSION, 3L, ops))));
            assertThat(frame.getBytes(StandardCharsets.UTF_8).length).isBetween(20_000, 60_000);
        }
        assertThat(SessionDocument.bytes(document)).isEqualTo(65_536);
        // the relay's document as the relay measures it: compact JSON, one byte a character
        assertThat(FrameCodec.mapper().readTree(document.toString()).toString()).hasSize(65_536);

        assertThat(SessionDocument.growth(1024)).hasSize(1);
        assertThat(SessionDocument.growth(10)).isEmpty();
        assertThat(SessionDocument.growth(192 * 1024)).hasSize(9);
    }

    @Test
    void aTickPatchSaysWhichPatchItIsAndWhenItWasDue() throws Exception {
        JsonNode frame = FrameCodec.mapper().readTree(SessionFrames.tickPatch("1a2b3c4d", SESSION, 41, 7, 123_456_789L));

        assertThat(frame.path("type").asText()).isEqualTo("state.patch");
        assertThat(frame.path("id").asText()).isEqualTo("1a2b3c4d-p-7");
        assertThat(frame.path("payload").path("baseVersion").asLong()).isEqualTo(41);
        JsonNode tick = SessionFrames.tickOf(frame.path("payload"));
        assertThat(tick.path("k").asInt()).isEqualTo(7);
        assertThat(tick.path("t").asLong()).isEqualTo(123_456_789L);
        assertThat(tick.path("run").asText()).isEqualTo("1a2b3c4d");
        assertThat(SessionFrames.tickOf(FrameCodec.mapper().createObjectNode()).isMissingNode()).isTrue();
        assertThat(SessionFrames.patchNumber("1a2b3c4d", "1a2b3c4d-p-7")).isEqualTo(7);
        assertThat(SessionFrames.patchNumber("1a2b3c4d", "ffffffff-p-7")).isEqualTo(-1);
        assertThat(SessionFrames.patchNumber("1a2b3c4d", "1a2b3c4d-p-x")).isEqualTo(-1);
        assertThat(SessionFrames.patchNumber("1a2b3c4d", null)).isEqualTo(-1);
        JsonNode accept = FrameCodec.mapper().readTree(SessionFrames.handoffAccept("a-1", SESSION));
        assertThat(accept.path("type").asText()).isEqualTo("handoff.accept");
        assertThat(FrameCodec.mapper().readTree(SessionFrames.handoffRequest("r-1", SESSION, "bench-desktop-b"))
                .path("payload").path("to").asText()).isEqualTo("bench-desktop-b");
    }

    @Test
    void versionsInOrderOutOfOrderDuplicatedAndMissing() {
        VersionOrder order = new VersionOrder(10);
        for (long version : new long[] {9, 10, 11, 12, 14, 13, 14, 16, 17}) {
            order.record(version);
        }

        // 9 and 10 are the earlier phase's; 13 came after 14; 14 twice; 15 never; 18 due but not come
        assertThat(order.counts(18)).isEqualTo(new VersionOrder.Counts(5, 1, 1, 2));
        assertThat(order.counts(17).missing()).isEqualTo(1);
        assertThat(new VersionOrder(5).counts(5)).isEqualTo(VersionOrder.Counts.NONE);
        assertThat(new VersionOrder.Counts(1, 2, 3, 4).plus(new VersionOrder.Counts(10, 20, 30, 40)))
                .isEqualTo(new VersionOrder.Counts(11, 22, 33, 44));
    }

    @Test
    void aPatchCountsAsDeliveredOnceAllThreeDevicesHaveIt() throws Exception {
        StepTracker step = new StepTracker(0, 10, 2, 1, 1); // patches 0..9 warm-up, 10..19 measured
        FanoutTracker tracker = new FanoutTracker(step, "run1", 0);
        long due = 1_000_000_000L;

        tracker.onReceipt(FanoutTracker.OWNER, tick("run1", 12, due), due + 2_000_000);
        tracker.onReceipt(FanoutTracker.OTHER_DESKTOP, tick("run1", 12, due), due + 3_000_000);
        assertThat(step.delivered()).isZero();
        tracker.onReceipt(FanoutTracker.PHONE, tick("run1", 12, due), due + 4_000_000);
        tracker.onReceipt(FanoutTracker.OTHER_DESKTOP, tick("run1", 12, due), due + 9_000_000);
        tracker.onReceipt(FanoutTracker.OWNER, tick("run1", 3, due), due + 1_000_000); // warm-up
        tracker.onReceipt(FanoutTracker.OWNER, tick("old", 12, due), due + 1_000_000);
        tracker.onReceipt(FanoutTracker.OWNER, tick("run1", 20, due), due + 1_000_000); // past the step
        tracker.onRefused(15, "conflict");
        tracker.onRefused(4, "conflict"); // warm-up: not counted

        assertThat(step.delivered()).isEqualTo(1);
        assertThat(step.latencyMicros().getMaxValue()).isBetween(3_990L, 4_010L); // the last of the three
        assertThat(tracker.duplicates(FanoutTracker.OTHER_DESKTOP)).isEqualTo(1);
        assertThat(tracker.foreign()).isEqualTo(2);
        assertThat(tracker.conflicts()).isEqualTo(1);
        assertThat(step.refused()).isEqualTo(1);
        assertThat(step.errors()).containsEntry("conflict", 1L);
        assertThat(tracker.receiptMicros().getTotalCount()).isEqualTo(3);
        assertThat(tracker.roleMicros(FanoutTracker.OWNER).getTotalCount()).isEqualTo(1);
        assertThat(Percentiles.of(tracker.roleMicros(FanoutTracker.OTHER_DESKTOP)).p50Ms()).isBetween(2.99, 3.01);
    }

    @Test
    void percentilesInMillisecondsAndNothingForAnEmptyHistogram() {
        Histogram micros = new Histogram(StepTracker.HIGHEST_MICROS, 3);
        for (int i = 1; i <= 1000; i++) {
            micros.recordValue(i * 100L); // 0.1 ms .. 100 ms
        }

        Percentiles p = Percentiles.of(micros);
        assertThat(p.count()).isEqualTo(1000);
        assertThat(p.p50Ms()).isBetween(49.9, 50.1);
        assertThat(p.p99Ms()).isBetween(98.9, 99.1);
        assertThat(p.maxMs()).isBetween(99.9, 100.1);
        assertThat(p.cells()).hasSize(Percentiles.header("n").size()).startsWith("1000");
        Percentiles none = Percentiles.of(new Histogram(StepTracker.HIGHEST_MICROS, 3));
        assertThat(none.count()).isZero();
        assertThat(none.p99Ms()).isNaN();
        assertThat(none.cells()).containsExactly("0", "-", "-", "-", "-", "-");
    }

    @Test
    void theReportJudgesTheHandoffsAndWritesItsThreeFiles() throws Exception {
        SessionsOptions options = SessionsOptions.parse(new String[] {"--out", dir.toString(), "--users", "4"});
        VersionOrder.Counts clean = new VersionOrder.Counts(100, 0, 0, 0);
        VersionOrder.Counts[] cleanThree = {clean, clean, clean};
        HandoffResult fast = handoffs(options, 40, 0, Map.of(), cleanThree);
        StepResult step = new StepResult(100, 4, 30, 3000, 3000, 0, 3000, 0, 0, Map.of(), 5, 7, 9, 12, 15, 0.1, 0.5,
                Map.of("relay", 3.0, ProcessCpu.MACHINE, 20.0));
        Percentiles receipts = new Percentiles(9000, 4, 6, 8, 10, 15);
        FanoutResult fanout = new FanoutResult(step, receipts, new Percentiles[] {receipts, receipts, receipts}, new long[3], 0,
                new VersionOrder.Counts[] {clean, clean, new VersionOrder.Counts(98, 1, 0, 1)});

        SessionsReport report = new SessionsReport(options, MachineInfo.current(), "1a2b3c4d", Instant.now(), fast, fanout, 7);
        List<Path> written = report.write();

        assertThat(written).extracting(path -> path.getFileName().toString())
                .containsExactly("sessions.csv", "sessions.json", "sessions.md");
        assertThat(report.met()).isTrue();
        assertThat(report.verdict()).contains("met (p99 40.0 ms over 600 handoffs)").doesNotContain("NOT");
        assertThat(report.convergence()).contains("NOT held", "1 out of order", "1 missing");
        String csv = Files.readString(dir.resolve("sessions.csv"));
        assertThat(csv).startsWith("part,measure,users,duration_s,rate_per_s,count,p50_ms,")
                .contains("\nhandoff,handoff.done at old owner,4,30,20.000,600,20.000,", "\nhandoff,versions at phone,4,30,20.000,,,,,,,100,0,0,0,0,",
                        "\nfanout,patch at all 3 devices,4,30,100,3000,5.000,", "\nfanout,state at phone,", ",98,1,0,1,0,")
                .contains("cpu_relay_s", "cpu_machine_s");
        JsonNode json = FrameCodec.mapper().readTree(dir.resolve("sessions.json").toFile());
        assertThat(json.path("handoff").path("latencyMs").path("oldOwner").path("p99").asDouble()).isEqualTo(40.0);
        assertThat(json.path("handoff").path("metTarget").asBoolean()).isTrue();
        assertThat(json.path("fanout").path("patches").path("atAllThree").asLong()).isEqualTo(3000);
        assertThat(json.path("fanout").path("versions").path("phone").path("missing").asLong()).isEqualTo(1);
        assertThat(json.path("foreignFramesIgnored").asLong()).isEqualTo(7);
        assertThat(Files.readString(dir.resolve("sessions.md"))).contains("| handoff.done at |", "| old owner |",
                "| patches/s |", "| at all 3 |", "| state at |", "| every device |", "| part |", "SPEC 6 target handoff");

        SessionsReport slow = new SessionsReport(options, MachineInfo.current(), "r", Instant.now(),
                handoffs(options, 140, 0, Map.of(), cleanThree), null, 0);
        assertThat(slow.met()).isFalse();
        assertThat(slow.verdict()).contains("NOT met (p99 140 ms");
        assertThat(slow.consoleTables()).contains("old owner", "desktop B").doesNotContain("Patch fan-out");
        SessionsReport lapsed = new SessionsReport(options, MachineInfo.current(), "r", Instant.now(),
                handoffs(options, 40, 1, Map.of("timeout", 2L), cleanThree), null, 0);
        assertThat(lapsed.met()).isFalse();
        assertThat(lapsed.verdict()).contains("NOT met", "3 not completed");
    }

    private static HandoffResult handoffs(SessionsOptions options, double p99, long unfinished, Map<String, Long> notAccepted,
            VersionOrder.Counts[] versions) {
        Percentiles latency = new Percentiles(600, 20, 30, p99, p99 + 5, p99 + 10);
        return new HandoffResult(options.users(), options.durationSeconds(), 600 + unfinished, 600, unfinished, 0, notAccepted,
                Map.of(), latency, latency, latency, versions, Map.of("relay", 4.0, ProcessCpu.MACHINE, 25.0));
    }

    private static JsonNode tick(String run, int k, long intendedSinceOrigin) {
        return FrameCodec.mapper().createObjectNode().put("run", run).put("k", k).put("t", intendedSinceOrigin);
    }
}
