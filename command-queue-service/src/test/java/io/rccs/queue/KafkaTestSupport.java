package io.rccs.queue;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.common.TopicPartition;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.CommandSubmitRequest;
import io.rccs.model.events.DeadLetter;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.events.InboxAppend;
import io.rccs.model.events.SessionEvent;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.testsupport.KafkaTestKit;
import io.rccs.testsupport.StoreTestSupport;

/** The gateway double of service-test-support, plus what only the command queue tests need. */
public final class KafkaTestSupport extends KafkaTestKit {

    private static boolean framesReady;
    private static boolean deviceEventsReady;
    private static boolean submitsReady;
    private static boolean sessionEventsReady;

    /** The consumer group of rccs.commands.submit as it names itself in dead letters. */
    public static final String SUBMIT_CONSUMER = "command-queue-submit";

    /** A record's value with the broker timestamp of the record (the producer's send time, epoch ms). */
    public record Timed<T>(long at, T value) {
    }

    private KafkaTestSupport() {
    }

    /** A device event as the relay publishes it: key = user/device. */
    public static void sendDeviceEvent(String type, DeviceEvent event) {
        String key = Topics.deviceKey(event.userId(), event.deviceId());
        send(Topics.DEVICE_EVENTS, key, CloudEvent.of(type, "/device-relay-service", key, event).toJson());
    }

    /** A session event as the relay publishes it: key = session id. */
    public static void sendSessionEvent(String type, SessionEvent event) {
        send(Topics.SESSION_EVENTS, event.sessionId(),
                CloudEvent.of(type, "/device-relay-service/sessions", event.sessionId(), event).toJson());
    }

    /**
     * Waits until the rccs.session.events consumer reads its topic (it starts at the latest offset in the
     * test profile): probes with the opening of a session nobody uses, until the queue has stored it.
     */
    public static synchronized void awaitSessionConsumerReady() {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String session = unique("probe-session");
        String user = unique("probe");
        long version = 0;
        while (!sessionEventsReady && System.nanoTime() < deadline) {
            // a higher version each time: the queue applies only what is newer than what it has
            sendSessionEvent(EventTypes.SESSION_OPENED, new SessionEvent(session, user, "probe", "probe-device", null,
                    ++version, "open", List.of(), false, null));
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (!sessionEventsReady && System.nanoTime() < until) {
                sessionEventsReady = StoreTestSupport.count("select count(*) from queue.work_session where session_id = ?", session) == 1;
                sleep(100);
            }
        }
        if (!sessionEventsReady) {
            fail("the command queue never recorded a probe from rccs.session.events within 90 s");
        }
    }

    /** A trusted desktop's event, online or not, connected (when online) at {@link #GATEWAY}. */
    public static DeviceEvent deviceEvent(String userId, String deviceId, boolean online, String connectionId) {
        return new DeviceEvent(userId, deviceId, "name of " + deviceId, "desktop", List.of("roo.task@1"), true, online,
                connectionId, GATEWAY);
    }

    /** A value as JSON (command args, outputs). */
    public static JsonNode payloadOf(Object value) {
        return FrameCodec.mapper().valueToTree(value);
    }

    /**
     * Waits until both of the queue's consumers read their topics: in the test profile they start
     * at the latest offset, so anything published before their partitions are assigned would be
     * missed. Probes rccs.commands.in with a submit to a device nobody has (refused, nothing stored)
     * and rccs.device.events with an event for a probe device (until the directory has it).
     */
    public static synchronized void awaitQueueReady() {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String user = unique("probe");
        if (!framesReady) {
            try (Tail<Delivery> answers = deliveries(GATEWAY)) {
                for (int attempt = 0; !framesReady && System.nanoTime() < deadline; attempt++) {
                    String id = "probe-" + attempt;
                    sendFrame(user, "probe", "probe-conn", clientFrame(id, FrameType.COMMAND_SUBMIT, "nobody",
                            Map.of("name", "probe")));
                    framesReady = answers.poll(frameFor(user, "probe", FrameType.ERROR).and(d -> id.equals(d.frame().corr())),
                            Duration.ofSeconds(3)) != null;
                }
            }
            if (!framesReady) {
                fail("the command queue never answered a probe on rccs.commands.in within 90 s");
            }
        }
        while (!deviceEventsReady && System.nanoTime() < deadline) {
            sendDeviceEvent(EventTypes.DEVICE_OFFLINE, deviceEvent(user, "probe-device", false, null));
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (!deviceEventsReady && System.nanoTime() < until) {
                deviceEventsReady = StoreTestSupport.count("select count(*) from queue.known_device where device_key = ?",
                        Topics.deviceKey(user, "probe-device")) == 1;
                sleep(100);
            }
        }
        if (!deviceEventsReady) {
            fail("the command queue never recorded a probe from rccs.device.events within 90 s");
        }
    }

    /** A device event of any kind, with its own capabilities, connected (when online) at {@link #GATEWAY}. */
    public static DeviceEvent deviceEvent(String userId, String deviceId, String kind, List<String> capabilities, boolean online,
            String connectionId) {
        return new DeviceEvent(userId, deviceId, "name of " + deviceId, kind, capabilities, true, online, connectionId, GATEWAY);
    }

    /** Deliveries to a gateway's partition from now on, with the time each record was published. */
    public static Tail<Timed<Delivery>> timedDeliveries(int gateway) {
        return new Tail<>(List.of(new TopicPartition(Topics.DELIVERIES, gateway)),
                record -> new Timed<>(record.timestamp(), CloudEvent.fromJson(record.value()).data(Delivery.class)));
    }

    /** As {@link KafkaTestKit#inboxAppends()}, with the time each record was published. */
    public static Tail<Timed<Delivery>> timedInboxAppends() {
        return Tail.allPartitions(Topics.FRAMES_IN, record -> {
            CloudEvent event = CloudEvent.fromJson(record.value());
            if (!EventTypes.INBOX_APPEND.equals(event.type())) {
                throw new IllegalArgumentException("not an inbox append"); // passed over
            }
            InboxAppend append = event.data(InboxAppend.class);
            return new Timed<>(record.timestamp(), Delivery.of(append.userId(), append.deviceId(), append.frame()));
        });
    }

    /** A frame of the user's over REST, as the gateway publishes it: no device, a request's connection id, the token's roles. */
    public static InboundFrame sendRestFrame(String userId, String connectionId, List<String> roles, Frame frame) {
        return sendFrame(new InboundFrame(userId, null, connectionId, GATEWAY, roles, frame));
    }

    /** A delivery that answers frame {@code corr} on the given connection (REST answers have no device). */
    public static Predicate<Delivery> answerTo(String connectionId, String corr) {
        return delivery -> connectionId.equals(delivery.connectionId()) && delivery.frame() != null
                && corr.equals(delivery.frame().corr());
    }

    /** What a backend publishes on rccs.commands.submit: key = user id. */
    public static void submitFromBackend(CommandSubmitRequest request) {
        send(Topics.COMMANDS_SUBMIT, request.userId(),
                CloudEvent.of(EventTypes.COMMAND_SUBMIT, "/backend/" + request.source(), request.userId(), request).toJson());
    }

    /** A record of rccs.dead-letters that the submit consumer gave up on, for this user (its key). */
    public static Predicate<Keyed> submitDeadLetter(String userId) {
        return event -> userId.equals(event.key()) && EventTypes.DEAD_LETTER.equals(event.event().type())
                && SUBMIT_CONSUMER.equals(event.data(DeadLetter.class).consumer());
    }

    /**
     * Waits until the rccs.commands.submit consumer reads its topic (it starts at the latest offset in
     * the test profile): probes with a request for a device nobody has, refused to rccs.dead-letters.
     */
    public static synchronized void awaitSubmitConsumerReady() {
        if (submitsReady) {
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String user = unique("probe");
        try (Tail<Keyed> deadLetters = events(Topics.DEAD_LETTERS)) {
            while (!submitsReady && System.nanoTime() < deadline) {
                submitFromBackend(new CommandSubmitRequest(user, "probe", unique("probe"), "nobody",
                        new io.rccs.model.protocol.payload.CommandSubmit("probe", null, null, null, null, null, null)));
                submitsReady = deadLetters.poll(submitDeadLetter(user), Duration.ofSeconds(3)) != null;
            }
        }
        if (!submitsReady) {
            fail("the command queue never dead-lettered a probe from rccs.commands.submit within 90 s");
        }
    }
}
