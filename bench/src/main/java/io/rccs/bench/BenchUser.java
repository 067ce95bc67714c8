package io.rccs.bench;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameType;

/** One bench user: a receiver device on the first gateway and a sender device on the second. */
final class BenchUser {

    static final String RECEIVER_DEVICE = "bench-rx";
    static final String SENDER_DEVICE = "bench-tx";

    final String name;
    private final RunTracker run;
    private final ReceiverInbox inbox;
    private volatile FrameSocket receiver;
    private volatile FrameSocket sender;
    private volatile AccessToken token;

    BenchUser(String name, RunTracker run) {
        this.name = name;
        this.run = run;
        this.inbox = new ReceiverInbox(run);
    }

    static String nameOf(int number) {
        return String.format("bench-%02d", number);
    }

    /** (Re)connects both devices with a fresh token; the receiver first, so nothing is sent to an absent device. */
    void connect(DeviceConnector connector) {
        close();
        token = connector.token(name);
        receiver = connector.open(0, token, RECEIVER_DEVICE, "bench receiver", name + "/" + RECEIVER_DEVICE, inbox);
        sender = connector.open(1, token, SENDER_DEVICE, "bench sender", name + "/" + SENDER_DEVICE, this::onSenderFrame);
    }

    /** True when a socket has closed or the token will expire before {@code until}. */
    boolean needsReconnect(Instant until) {
        return token == null || token.expiresBefore(until)
                || receiver == null || !receiver.isOpen() || sender == null || !sender.isOpen();
    }

    void send(String text, SendChain.Outcome outcome) {
        sender.send(text, outcome);
    }

    int queuedFrames() {
        FrameSocket current = sender;
        return current == null ? 0 : current.queuedFrames();
    }

    void flushAcks() {
        inbox.flush(receiver);
    }

    void close() {
        if (sender != null) {
            sender.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private void onSenderFrame(FrameSocket socket, JsonNode frame, long receivedNanos) {
        if (FrameType.ERROR.wire().equals(frame.path("type").asText())) {
            run.onError(frame.path("payload").path("code").asText("unknown"));
        }
    }
}
