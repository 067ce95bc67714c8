package io.rccs.bench;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameType;

/**
 * One bench user of {@code commands}: a desktop on the first gateway, the target, and a phone on the
 * second, the sender, so every command crosses gateways: phone → gateway 1 → {@code rccs.commands.in}
 * → command queue → {@code rccs.deliveries} → gateway 0 → desktop. The desktop registers first, so on
 * a fresh stack it is the user's trusted device and pairs the phone. The desktop answers every
 * command at once ({@code command.ack}, then {@code command.result ok}); the phone acknowledges its
 * inbox (the {@code command.status} frames carry a {@code seq}). Every frame either device sends goes
 * through its {@link PacedSender}, so no connection ever breaks the gateway's rate limit.
 */
final class CommandUser {

    static final String DESKTOP_DEVICE = "bench-desktop";
    static final String PHONE_DEVICE = "bench-phone";
    static final DevicePlan DESKTOP = new DevicePlan(DESKTOP_DEVICE, "bench desktop", "desktop", List.of(), 0);
    static final DevicePlan PHONE = new DevicePlan(PHONE_DEVICE, "bench phone", "mobile", List.of(), 1);

    final String name;
    private final CommandTracker tracker;
    private final PacedSender desktopOut;
    private final PacedSender phoneOut;
    /** Per connection of the phone: a user started over as a new Keycloak user numbers its inbox from 1 again. */
    private volatile InboxAcks statusAcks = new InboxAcks();
    private volatile FrameSocket desktop;
    private volatile FrameSocket phone;
    private volatile AccessToken token;
    private volatile String account;

    CommandUser(String name, CommandTracker tracker, ScheduledExecutorService timer) {
        this.name = name;
        this.tracker = tracker;
        this.desktopOut = new PacedSender(timer);
        this.phoneOut = new PacedSender(timer);
    }

    static String nameOf(int number) {
        return String.format("bench-cmd-%02d", number);
    }

    /** (Re)connects both devices with a fresh token, trusted (paired if need be); the desktop first. */
    void connect(DeviceConnector connector) {
        close();
        statusAcks = new InboxAcks();
        UserDevices.Connected connected = connector.connectTrusted(name, List.of(DESKTOP, PHONE),
                plan -> plan == DESKTOP ? this::onDesktopFrame : this::onPhoneFrame);
        account = connected.account();
        token = connected.token();
        desktop = connected.sockets().get(0);
        phone = connected.sockets().get(1);
    }

    /** True when a socket has closed or the token will expire before {@code until}. */
    boolean needsReconnect(Instant until) {
        return token == null || token.expiresBefore(until)
                || desktop == null || !desktop.isOpen() || phone == null || !phone.isOpen();
    }

    /** Hands a submit to the phone (paced). */
    void submit(String text, SendChain.Outcome outcome) {
        phoneOut.send(phone, text, false, outcome);
    }

    /** Acknowledges the statuses the phone got since the last time; the periodic timer calls this. */
    void flushAcks() {
        FrameSocket current = phone;
        if (current != null) {
            statusAcks.flush(ackSink(current));
        }
    }

    /** Takes the desktop offline (a clean close). */
    void closeDesktop() {
        FrameSocket current = desktop;
        if (current != null) {
            current.close();
        }
    }

    /** Says hello again as the desktop, with its kept credential; returns once welcomed (commands may have come already). */
    FrameSocket reopenDesktop(DeviceConnector connector) {
        desktop = connector.reopen(account, token, DESKTOP, this::onDesktopFrame);
        return desktop;
    }

    FrameSocket phone() {
        return phone;
    }

    /** Frames waiting in the pacers and the sockets: a growing number means the client cannot keep up. */
    int queuedFrames() {
        FrameSocket d = desktop;
        FrameSocket p = phone;
        return desktopOut.queued() + phoneOut.queued() + (d == null ? 0 : d.queuedFrames()) + (p == null ? 0 : p.queuedFrames());
    }

    /** The highest status {@code seq} the phone has acknowledged. */
    long statusesAcknowledged() {
        return statusAcks.acked();
    }

    void close() {
        if (phone != null) {
            phone.close();
        }
        if (desktop != null) {
            desktop.close();
        }
    }

    private void onDesktopFrame(FrameSocket socket, JsonNode frame, long receivedNanos) {
        String type = frame.path("type").asText();
        if (FrameType.COMMAND.wire().equals(type)) {
            JsonNode payload = frame.path("payload");
            tracker.onCommand(payload, receivedNanos);
            // answered at once, whatever run it is of, so nothing stays open in the queue; acks go first
            String commandId = payload.path("commandId").asText();
            desktopOut.send(socket, CommandFrames.ack(commandId), true, null);
            desktopOut.send(socket, CommandFrames.result(commandId), false, null);
        } else if (FrameType.ERROR.wire().equals(type)) {
            tracker.onError(frame);
        }
        // presence, pong and the like say nothing about the benchmark
    }

    private void onPhoneFrame(FrameSocket socket, JsonNode frame, long receivedNanos) {
        String type = frame.path("type").asText();
        JsonNode seq = frame.get("seq");
        if (seq != null && seq.canConvertToLong()) {
            statusAcks.received(seq.asLong(), ackSink(socket)); // an earlier run's statuses too, to empty the inbox
        }
        if (FrameType.COMMAND_STATUS.wire().equals(type)) {
            tracker.onStatus(frame);
        } else if (FrameType.ERROR.wire().equals(type)) {
            tracker.onError(frame);
        }
    }

    private FrameSink ackSink(FrameSocket socket) {
        return (text, outcome) -> phoneOut.send(socket, text, true, outcome);
    }
}
