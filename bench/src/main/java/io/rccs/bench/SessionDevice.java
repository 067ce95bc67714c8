package io.rccs.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Payload;

/**
 * One device of a sessions bench user once it is connected: its socket, a {@link PacedSender} in front
 * of it (so no connection breaks the gateway's 50 frames/s, whatever the closed handoff loop does),
 * and its inbox acknowledgements. Session frames pushed to a device ({@code state}, {@code handoff.*})
 * carry a {@code seq} and must be acknowledged like messages, or the relay sends them again: the
 * frames the handler sees are acknowledged by {@link #acknowledge}, the answers taken by {@link #ask}
 * here.
 */
final class SessionDevice {

    /** How long a setup request (open, join, get, close) may wait for its answer. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);

    final DevicePlan plan;
    private final PacedSender out;
    private final InboxAcks acks = new InboxAcks();
    private volatile FrameSocket socket;

    SessionDevice(DevicePlan plan, ScheduledExecutorService timer) {
        this.plan = plan;
        this.out = new PacedSender(timer);
    }

    void attach(FrameSocket connected) {
        socket = connected;
    }

    String id() {
        return plan.deviceId();
    }

    /** Hands a frame to the pacer; {@code sink} (may be null: the socket) is what the pacer hands it to. */
    void send(String text, FrameSink sink, SendChain.Outcome outcome) {
        FrameSocket current = socket;
        out.send(sink != null ? sink : current, text, false, outcome);
    }

    void send(String text) {
        send(text, null, null);
    }

    FrameSocket socket() {
        return socket;
    }

    /**
     * Records a pushed frame's {@code seq}, acknowledging at once if many are waiting; {@code via} is
     * the socket it came on (frames replayed right after the welcome come before {@link #attach}).
     */
    void acknowledge(FrameSocket via, JsonNode frame) {
        JsonNode seq = frame.get("seq");
        if (seq != null && seq.canConvertToLong()) {
            acks.received(seq.asLong(), ackSink(via));
        }
    }

    /** Acknowledges what came since the last time; the periodic timer calls this. */
    void flushAcks() {
        FrameSocket current = socket;
        if (current != null) {
            acks.flush(ackSink(current));
        }
    }

    /**
     * Sends a request and waits for its answer ({@code corr}), acknowledging the answer if it came
     * through the inbox; an {@code error} answer is returned like any other.
     */
    JsonNode ask(FrameType type, Payload payload, String what) {
        CompletableFuture<JsonNode> answer = socket.ask(type, payload);
        try {
            JsonNode frame = answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            acknowledge(socket, frame);
            return frame;
        } catch (TimeoutException e) {
            answer.cancel(false);
            throw new BenchException(label() + ": " + what + ": no answer within " + ANSWER_TIMEOUT.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            throw new BenchException(label() + ": " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException(label() + ": " + what + ": interrupted", e);
        }
    }

    /** Like {@link #ask}, but the answer must be of {@code expected} type. */
    JsonNode expect(FrameType type, Payload payload, FrameType expected, String what) {
        JsonNode frame = ask(type, payload, what);
        if (!expected.wire().equals(frame.path("type").asText())) {
            throw new BenchException(label() + ": " + what + " answered " + frame.path("type").asText() + " " + frame.path("payload"));
        }
        return frame;
    }

    boolean isOpen() {
        FrameSocket current = socket;
        return current != null && current.isOpen();
    }

    /** Frames waiting in the pacer and the socket. */
    int queuedFrames() {
        FrameSocket current = socket;
        return out.queued() + (current == null ? 0 : current.queuedFrames());
    }

    void close() {
        FrameSocket current = socket;
        if (current != null) {
            current.close();
        }
    }

    String label() {
        FrameSocket current = socket;
        return current != null ? current.label() : plan.deviceId();
    }

    private FrameSink ackSink(FrameSocket current) {
        return (text, outcome) -> out.send(current, text, true, outcome);
    }
}
