package io.rccs.bench;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameType;

/**
 * One bench user of {@code messages}: a receiver device on the first gateway and a sender device on
 * the second. The receiver registers first, so on a fresh stack it is the user's trusted device and
 * pairs the sender.
 */
final class BenchUser {

    static final String RECEIVER_DEVICE = "bench-rx";
    static final String SENDER_DEVICE = "bench-tx";
    private static final DevicePlan RECEIVER = new DevicePlan(RECEIVER_DEVICE, "bench receiver", "desktop", List.of(), 0);
    private static final DevicePlan SENDER = new DevicePlan(SENDER_DEVICE, "bench sender", "desktop", List.of(), 1);

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

    /**
     * (Re)connects both devices with a fresh token, trusted (paired if need be); the receiver first, so
     * nothing is sent to an absent device.
     */
    void connect(DeviceConnector connector) {
        close();
        inbox.newConnection();
        UserDevices.Connected connected = connector.connectTrusted(name, List.of(RECEIVER, SENDER),
                plan -> plan == RECEIVER ? inbox : this::onSenderFrame);
        token = connected.token();
        receiver = connected.sockets().get(0);
        sender = connected.sockets().get(1);
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
        FrameSocket current = receiver;
        if (current != null && current.isOpen()) { // not the old socket while connect() replaces it
            inbox.flush(current);
        }
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
