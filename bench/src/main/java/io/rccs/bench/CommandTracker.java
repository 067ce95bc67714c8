package io.rccs.bench;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where the commands benchmark's frames go: a command that reaches a desktop to the latency step it
 * belongs to ({@link RunTracker}, by its args) or to the current {@link FlushRun}; a phone's
 * {@code command.status} to the flush run; an {@code error} to whatever submit it names. What belongs
 * to no step and no run (an earlier run's commands, flushed at connect) is counted as foreign.
 */
final class CommandTracker {

    final RunTracker latency;
    private volatile FlushRun flush;

    CommandTracker(RunTracker latency) {
        this.latency = latency;
    }

    void beginFlush(FlushRun run) {
        flush = run;
    }

    void endFlush() {
        flush = null;
    }

    /** A {@code command} frame reached a desktop. */
    void onCommand(JsonNode payload, long receivedNanos) {
        JsonNode args = payload.path("args");
        String run = args.path("run").asText("");
        FlushRun current = flush;
        if (args.has("f")) {
            if (current != null && latency.runId.equals(run) && args.path("f").asInt(-1) == current.number) {
                current.onCommand(args.path("i").asInt(-1), payload.path("commandId").asText(""),
                        payload.path("priority").asText(""), receivedNanos);
            } else {
                foreign(current);
            }
            return;
        }
        if (current != null && !latency.runId.equals(run)) {
            current.onForeign();
        }
        latency.onArrival(run, args.path("s").asInt(-1), args.path("i").asInt(-1), args.path("t").asLong(), receivedNanos);
    }

    /** A {@code command.status} reached a phone. */
    void onStatus(JsonNode frame) {
        FlushRun current = flush;
        if (current != null) {
            current.onStatus(frame);
        }
    }

    /** An {@code error} reached a device: a refused submit (by {@code corr}), or an error that names none (rate_limited). */
    void onError(JsonNode frame) {
        String code = frame.path("payload").path("code").asText("unknown");
        SubmitId id = SubmitId.parse(frame.path("corr").asText(null));
        FlushRun current = flush;
        if (id != null && current != null && current.owns(id)) {
            current.onRefused(id.k(), code);
        } else if (id != null && !id.isFlush()) {
            latency.onRefused(id.run(), id.number(), id.k(), code);
        } else {
            latency.onError(code);
        }
    }

    private void foreign(FlushRun current) {
        if (current != null) {
            current.onForeign();
        }
        latency.onForeign();
    }
}
