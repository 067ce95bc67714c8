package io.rccs.relay.inbox;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.rccs.common.DeliverySender;
import io.rccs.common.ServerFrames;
import io.rccs.common.consumption.EventConsumption;
import io.rccs.common.consumption.EventConsumption.Event;
import io.rccs.common.consumption.Failures;
import io.rccs.common.consumption.ReliableSteps;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.events.InboxAppend;
import io.rccs.model.presence.PresenceEntry;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.Ack;
import io.rccs.relay.device.DeviceCache;
import io.rccs.relay.device.DeviceCache.Known;
import io.rccs.relay.device.DeviceCache.UserDevices;
import io.rccs.relay.inbox.InboxStore.Entry;
import io.rccs.relay.inbox.InboxStore.Stored;
import io.smallrye.mutiny.Uni;

/**
 * Routes a run of {@code message} and {@code ack} frames and of {@link InboxAppend}s (consecutive
 * records of one batch) through the inbox: checks each against the cached device lists, stores every
 * message for each target and every appended server frame in one transaction (the sender's frame id,
 * or the appending service's key, making a resend a no-op), then delivers what was newly stored to
 * the targets that are online, all sends at once. Stored before anything is sent: a device that is
 * offline, or whose delivery is lost, gets the entry on its next hello or after the redelivery
 * timeout.
 */
@ApplicationScoped
public class InboxRouter {

    private final InboxStore store;
    private final DeviceCache devices;
    private final DeliverySender deliveries;
    private final ReliableSteps steps;
    private final EventConsumption consumption;
    private final Counter stored;
    private final Counter duplicates;
    private final Counter storedFromServices;
    private final Counter duplicatesFromServices;
    private final Counter droppedForUnknown;
    private final Counter droppedForPending;
    private final Timer routeLatency;

    public InboxRouter(InboxStore store, DeviceCache devices, DeliverySender deliveries, ReliableSteps steps,
            EventConsumption consumption, MeterRegistry metrics) {
        this.store = store;
        this.devices = devices;
        this.deliveries = deliveries;
        this.steps = steps;
        this.consumption = consumption;
        this.stored = metrics.counter("rccs_inbox_entries_total", "outcome", "stored", "from", "device");
        this.duplicates = metrics.counter("rccs_inbox_entries_total", "outcome", "duplicate", "from", "device");
        this.storedFromServices = metrics.counter("rccs_inbox_entries_total", "outcome", "stored", "from", "service");
        this.duplicatesFromServices = metrics.counter("rccs_inbox_entries_total", "outcome", "duplicate", "from", "service");
        this.droppedForUnknown = metrics.counter("rccs_inbox_appends_dropped_total", "device", "unknown");
        this.droppedForPending = metrics.counter("rccs_inbox_appends_dropped_total", "device", "pending");
        // a histogram, so that percentiles can be aggregated over relay instances in Prometheus
        this.routeLatency = Timer.builder("rccs_message_route")
                .description("From the gateway receiving a message frame (the time of its CloudEvent) to the relay having"
                        + " stored it and the broker having the deliveries to its online targets; new messages only")
                .publishPercentileHistogram()
                .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
                        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
                        Duration.ofMillis(2500), Duration.ofSeconds(5))
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(metrics);
    }

    /** The frame types this router owns. */
    public static boolean routes(String frameType) {
        return FrameType.MESSAGE.wire().equals(frameType) || FrameType.ACK.wire().equals(frameType);
    }

    /**
     * Checks what a service asks to append (Jackson leaves missing fields null) against what the
     * inbox tables hold; a record that fails is dead-lettered like any malformed frame.
     */
    static InboxAppend validAppend(InboxAppend append) {
        require(append != null, "no data");
        require(present(append.userId(), 255), "userId must be 1..255 characters");
        require(present(append.deviceId(), 64), "deviceId must be 1..64 characters");
        require(present(append.source(), 63), "source must be 1..63 characters");
        require(present(append.key(), 64), "key must be 1..64 characters");
        Frame frame = append.frame();
        require(frame != null, "no frame");
        require(frame.v() == Frame.VERSION, "frame.v must be " + Frame.VERSION);
        require(present(frame.id(), Frame.MAX_ID_LENGTH), "frame.id must be 1.." + Frame.MAX_ID_LENGTH + " characters");
        // only what the server may send to a device: a client frame in a device's inbox would make no sense to it
        require(frame.type() != null && FrameType.fromWire(frame.type())
                .filter(type -> type == FrameType.MESSAGE || !type.clientMaySend() && !type.restOnly()).isPresent(),
                "frame.type must be a server frame type, not " + frame.type());
        return append;
    }

    private static boolean present(String value, int maxLength) {
        return value != null && !value.isBlank() && value.length() <= maxLength;
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalArgumentException("not a valid inbox append: " + problem);
        }
    }

    /** What one run asks of the inbox, and what to tell senders. */
    private static final class Plan {
        final List<Entry> entries = new ArrayList<>();
        /** Per entry: when the gateway received its message, on the first entry of each message only (else null). */
        final List<Instant> received = new ArrayList<>();
        final List<InboxStore.Ack> acks = new ArrayList<>();
        final List<Uni<Void>> replies = new ArrayList<>();
        final List<Event> rejected = new ArrayList<>();
        final List<Throwable> reasons = new ArrayList<>();
    }

    /** Routes the run: each event is a frame a device sent ({@link InboundFrame}) or an {@link InboxAppend}. */
    public Uni<Void> route(String consumer, List<Event> run) {
        List<Object> parsed = new ArrayList<>(run.size()); // InboundFrame or InboxAppend, as valid
        List<Event> valid = new ArrayList<>(run.size());
        List<Uni<Void>> malformed = new ArrayList<>();
        Set<String> users = new LinkedHashSet<>();
        for (Event event : run) {
            try {
                if (EventTypes.INBOX_APPEND.equals(event.type())) {
                    InboxAppend append = validAppend(event.data(InboxAppend.class));
                    parsed.add(append);
                    users.add(append.userId());
                } else {
                    InboundFrame in = event.data(InboundFrame.class);
                    parsed.add(in);
                    users.add(in.userId());
                }
                valid.add(event);
            } catch (IllegalArgumentException bad) {
                malformed.add(consumption.reject(consumer, event, bad));
            }
        }
        return DeliverySender.all(malformed)
                .chain(() -> steps.untilDone("inbox device lists", () -> devices.ofAll(users)))
                .chain(known -> {
                    Plan plan = plan(valid, parsed, known);
                    return DeliverySender.all(rejections(consumer, plan))
                            .chain(() -> store(plan))
                            .chain(result -> steps.untilDone("inbox delivery", () -> deliver(result, plan.replies))
                                    .invoke(() -> routed(result, plan.received))
                                    // stored already: the redelivery sweep or the next hello sends what did not go out
                                    .onFailure().recoverWithItem(failure -> {
                                        Log.warnf("delivery of a stored run failed for good: %s", Failures.describe(failure));
                                        return null;
                                    }));
                });
    }

    private Plan plan(List<Event> events, List<Object> parsed, Map<String, UserDevices> known) {
        Plan plan = new Plan();
        for (int i = 0; i < parsed.size(); i++) {
            if (parsed.get(i) instanceof InboxAppend append) {
                planAppend(plan, append, known.get(append.userId()));
                continue;
            }
            InboundFrame in = (InboundFrame) parsed.get(i);
            UserDevices mine = known.get(in.userId());
            Known sender = mine.find(in.deviceId());
            try {
                if (in.frame().is(FrameType.ACK)) {
                    Ack ack = FrameCodec.validPayload(in.frame(), Ack.class);
                    if (sender != null && sender.trusted()) {
                        plan.acks.add(new InboxStore.Ack(in.userId(), in.deviceId(), ack.upTo()));
                    }
                    continue;
                }
                if (sender == null || !sender.trusted()) {
                    plan.replies.add(error(in, ErrorCode.NOT_TRUSTED, "this device is not trusted yet: pair it first"));
                    continue;
                }
                Frame delivered = in.frame().withFrom(in.deviceId());
                String to = in.frame().to();
                if (to == null) {
                    Instant received = receivedAt(events.get(i));
                    for (String target : mine.trustedExcept(in.deviceId())) {
                        plan.entries.add(new Entry(in.userId(), target, in.deviceId(), in.frame().id(), delivered));
                        plan.received.add(received);
                        received = null; // one sample per message, however many targets
                    }
                    continue;
                }
                Known target = mine.find(to);
                if (target == null) {
                    plan.replies.add(error(in, ErrorCode.NOT_FOUND, "you have no device '" + to + "'"));
                } else if (!target.trusted()) {
                    plan.replies.add(error(in, ErrorCode.NOT_TRUSTED, "device '" + to + "' is not trusted"));
                } else {
                    plan.entries.add(new Entry(in.userId(), to, in.deviceId(), in.frame().id(), delivered));
                    plan.received.add(receivedAt(events.get(i)));
                }
            } catch (ProtocolException e) {
                plan.replies.add(error(in, e.code(), e.getMessage()));
            } catch (RuntimeException bad) {
                plan.rejected.add(events.get(i));
                plan.reasons.add(bad);
            }
        }
        return plan;
    }

    /**
     * A service's frame for one device, stored like a message from the sender {@code @source}. Only a
     * trusted device gets it: a pending one may see nothing but pairing, and an unknown or revoked one
     * has no inbox. Such an append is not an error (the device changed meanwhile): it is dropped.
     */
    private void planAppend(Plan plan, InboxAppend append, UserDevices mine) {
        Known target = mine.find(append.deviceId());
        if (target == null || !target.trusted()) {
            (target == null ? droppedForUnknown : droppedForPending).increment();
            Log.debugf("inbox append %s of %s for %s/%s dropped: the device is %s", append.key(), append.senderDevice(),
                    append.userId(), append.deviceId(), target == null ? "unknown or revoked" : "not trusted");
            return;
        }
        plan.entries.add(new Entry(append.userId(), append.deviceId(), append.senderDevice(), append.key(), append.frame()));
        plan.received.add(null); // a service's frame, not a message: not in the latency
    }

    /**
     * When the gateway received the frame: its CloudEvent's time, else the record's timestamp (the
     * gateway's producer sets it as it sends). Both are the gateway's clock: skew between hosts shows.
     */
    private static Instant receivedAt(Event event) {
        String time = event.event().time();
        if (time != null) {
            try {
                return Instant.parse(time);
            } catch (DateTimeParseException notATime) {
                // fall through to the record's timestamp
            }
        }
        return Instant.ofEpochMilli(event.record().timestamp());
    }

    /** Times each newly stored message (a redelivered duplicate would measure its first copy's age). */
    private void routed(List<Stored> result, List<Instant> received) {
        Instant now = Instant.now();
        for (int i = 0; i < Math.min(result.size(), received.size()); i++) { // one Stored per entry, in order
            Instant at = received.get(i);
            if (at != null && result.get(i).created()) {
                Duration took = Duration.between(at, now);
                routeLatency.record(took.isNegative() ? Duration.ZERO : took);
            }
        }
    }

    private List<Uni<Void>> rejections(String consumer, Plan plan) {
        List<Uni<Void>> sends = new ArrayList<>();
        for (int i = 0; i < plan.rejected.size(); i++) {
            sends.add(consumption.reject(consumer, plan.rejected.get(i), plan.reasons.get(i)));
        }
        return sends;
    }

    /**
     * Stores the run in one transaction. A permanent failure fails the run: InboundConsumer then
     * routes its frames one at a time, so only the frame that breaks a rule is dead-lettered.
     */
    private Uni<List<Stored>> store(Plan plan) {
        return steps.untilDone("inbox append", () -> store.append(plan.entries, plan.acks));
    }

    /**
     * Sends what another component stored in the inbox (a session change) to the devices that are
     * online; what does not go out is sent by the redelivery sweep or on the device's next hello.
     */
    public Uni<Void> deliverStored(List<Stored> result) {
        return deliver(result, List.of());
    }

    /** Sends every newly stored entry to its device if it is online, and the refusals, all at once. */
    private Uni<Void> deliver(List<Stored> result, List<Uni<Void>> replies) {
        Map<String, Map<String, List<Stored>>> byUserAndDevice = new LinkedHashMap<>();
        for (Stored entry : result) {
            boolean fromService = entry.entry().fromService();
            if (entry.created()) {
                (fromService ? storedFromServices : stored).increment();
                byUserAndDevice.computeIfAbsent(entry.entry().userId(), ignored -> new LinkedHashMap<>())
                        .computeIfAbsent(entry.entry().deviceId(), ignored -> new ArrayList<>()).add(entry);
            } else {
                (fromService ? duplicatesFromServices : duplicates).increment(); // the first copy was delivered, or will be by the redelivery sweep
            }
        }
        List<Uni<Void>> lookups = new ArrayList<>(byUserAndDevice.size());
        byUserAndDevice.forEach((userId, byDevice) -> lookups.add(deliveries.presence(userId, byDevice.keySet())
                .chain(online -> sendToOnline(userId, byDevice, online))));
        List<Uni<Void>> all = new ArrayList<>(lookups);
        all.addAll(replies);
        return DeliverySender.all(all);
    }

    private Uni<Void> sendToOnline(String userId, Map<String, List<Stored>> byDevice, Map<String, PresenceEntry> online) {
        List<Uni<Void>> sends = new ArrayList<>();
        byDevice.forEach((deviceId, entries) -> {
            PresenceEntry where = online.get(deviceId);
            if (where != null) {
                for (Stored entry : entries) {
                    sends.add(deliveries.send(where.gateway(), Delivery.of(userId, deviceId, entry.delivered())));
                }
            }
        });
        return DeliverySender.all(sends);
    }

    private Uni<Void> error(InboundFrame in, ErrorCode code, String message) {
        return deliveries.replyError(in, code, message);
    }
}
