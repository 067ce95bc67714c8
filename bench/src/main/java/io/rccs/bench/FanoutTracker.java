package io.rccs.bench;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.ErrorCode;

/**
 * The fan-out part's receipts: every patch {@code k} of the step is announced to the session's three
 * devices, each of which records its {@code state} frame's latency from the patch's intended send
 * time, by role. When the third device has it, the patch counts as delivered to the {@link StepTracker}
 * (its latency: the last of the three), so the step's own counting, settling and report apply.
 */
final class FanoutTracker {

    static final int OWNER = 0;
    static final int OTHER_DESKTOP = 1;
    static final int PHONE = 2;
    static final int ROLES = 3;
    /** How each role is named in the report. */
    static final String[] ROLE_NAMES = {"owner (patcher)", "other desktop", "phone"};
    /** How each role is named in sessions.json. */
    static final String[] ROLE_KEYS = {"owner", "otherDesktop", "phone"};
    private static final int ALL_ROLES = (1 << ROLES) - 1;

    final StepTracker step;
    private final String runId;
    private final long originNanos;
    /** bit r of element k: role r has patch k */
    private final AtomicIntegerArray arrived;
    private final Histogram[] roleMicros = new Histogram[ROLES];
    private final Histogram receiptMicros = HandoffTracker.newHistogram();
    private final LongAdder[] duplicates = new LongAdder[ROLES];
    private final LongAdder conflicts = new LongAdder();
    private final LongAdder foreign = new LongAdder();
    private volatile boolean closed;

    FanoutTracker(StepTracker step, String runId, long originNanos) {
        this.step = step;
        this.runId = runId;
        this.originNanos = originNanos;
        this.arrived = new AtomicIntegerArray(step.totalCount);
        for (int role = 0; role < ROLES; role++) {
            roleMicros[role] = HandoffTracker.newHistogram();
            duplicates[role] = new LongAdder();
        }
    }

    /** A {@code state} frame of a bench session reached the device in {@code role}; {@code tick} is what its ops set /tick to. */
    void onReceipt(int role, JsonNode tick, long receivedNanos) {
        int k = tick.path("k").asInt(-1);
        if (!runId.equals(tick.path("run").asText("")) || k < 0 || k >= step.totalCount) {
            foreign.increment();
            return;
        }
        int bit = 1 << role;
        int before = arrived.getAndUpdate(k, mask -> mask | bit);
        if ((before & bit) != 0) {
            duplicates[role].increment();
            return;
        }
        long intendedNanos = originNanos + tick.path("t").asLong();
        if (step.isMeasured(k) && !closed) {
            long micros = (receivedNanos - intendedNanos) / 1_000;
            HandoffTracker.record(roleMicros[role], micros);
            HandoffTracker.record(receiptMicros, micros);
        }
        if ((before | bit) == ALL_ROLES) {
            step.onDelivered(k, intendedNanos, receivedNanos);
        }
    }

    /** The relay refused patch {@code k} (an error naming it). */
    void onRefused(int k, String code) {
        if (k < 0 || k >= step.totalCount) {
            return;
        }
        if (ErrorCode.CONFLICT.wire().equals(code) && step.isMeasured(k) && !closed) {
            conflicts.increment();
        }
        step.onRefused(k, code);
    }

    void close() {
        closed = true;
        step.close();
    }

    Histogram roleMicros(int role) {
        return roleMicros[role].copy();
    }

    Histogram receiptMicros() {
        return receiptMicros.copy();
    }

    long duplicates(int role) {
        return duplicates[role].sum();
    }

    /** Measured patches refused with {@code conflict} (the owner then takes the version the error names). */
    long conflicts() {
        return conflicts.sum();
    }

    /** State frames whose /tick names another run or no patch of this step. */
    long foreign() {
        return foreign.sum();
    }
}
