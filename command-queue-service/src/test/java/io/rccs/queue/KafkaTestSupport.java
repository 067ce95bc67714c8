package io.rccs.queue;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;

/**
 * Plays the gateway against the real broker: publishes what clients send on rccs.frames.in and
 * reads what the command queue addresses to the gateway partition reserved for these tests.
 */
public final class KafkaTestSupport {

    /** The rccs.deliveries partition (= gateway index) the command queue tests own. */
    public static final int GATEWAY = 13;
    public static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** How long a "nothing arrives" check listens. */
    public static final Duration QUIET = Duration.ofMillis(2500);

    private static final String SOURCE = "/rccs-gateway/" + GATEWAY;
    private static KafkaProducer<String, String> producer;
    private static boolean framesReady;
    private static boolean deviceEventsReady;

    private KafkaTestSupport() {
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            producer = new KafkaProducer<>(props);
        }
        return producer;
    }

    /** Publishes one record and waits for the broker's acknowledgement. */
    public static void send(String topic, String key, String value) {
        try {
            producer().send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not publish to " + topic, e);
        }
    }

    /** What the gateway publishes when a connection sends a frame: key = user id. */
    public static InboundFrame sendFrame(String userId, String deviceId, String connectionId, Frame frame) {
        InboundFrame in = new InboundFrame(userId, deviceId, connectionId, GATEWAY, List.of("rccs-user"), frame);
        send(Topics.FRAMES_IN, userId, CloudEvent.of(EventTypes.FRAME_RECEIVED, SOURCE, userId, in).toJson());
        return in;
    }

    public static Frame clientFrame(String id, FrameType type, String to, Object payload) {
        return Frame.client(id, type, to, FrameCodec.toPayload(payload));
    }

    /** A device event as the relay publishes it: key = user/device. */
    public static void sendDeviceEvent(String type, DeviceEvent event) {
        String key = Topics.deviceKey(event.userId(), event.deviceId());
        send(Topics.DEVICE_EVENTS, key, CloudEvent.of(type, "/device-relay-service", key, event).toJson());
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

    /** A frame's payload as its record. */
    public static <T> T payload(Frame frame, Class<T> type) {
        try {
            return FrameCodec.mapper().treeToValue(frame.payload(), type);
        } catch (JsonProcessingException e) {
            throw new AssertionError("payload of " + frame.type() + " does not fit " + type.getSimpleName(), e);
        }
    }

    /** Reads the deliveries written to one gateway's partition from now on. */
    public static Tail<Delivery> deliveries(int gateway) {
        return new Tail<>(List.of(new TopicPartition(Topics.DELIVERIES, gateway)),
                record -> CloudEvent.fromJson(record.value()).data(Delivery.class));
    }

    /** A record of a keyed event topic. */
    public record Keyed(String key, CloudEvent event) {
        public <T> T data(Class<T> type) {
            return event.data(type);
        }
    }

    /** Reads every partition of an event topic from now on. */
    public static Tail<Keyed> events(String topic) {
        return Tail.allPartitions(topic, record -> new Keyed(record.key(), CloudEvent.fromJson(record.value())));
    }

    /** A delivery of a frame of this type to this device (to the device, or to one of its connections). */
    public static Predicate<Delivery> frameFor(String userId, String deviceId, FrameType type) {
        return delivery -> userId.equals(delivery.userId()) && deviceId.equals(delivery.deviceId())
                && delivery.frame() != null && delivery.frame().is(type);
    }

    /** An event of this type about this key. */
    public static Predicate<Keyed> eventOf(String key, String type) {
        return event -> key.equals(event.key()) && type.equals(event.event().type());
    }

    /**
     * Waits until both of the queue's consumers read their topics: in the test profile they start
     * at the latest offset, so anything published before their partitions are assigned would be
     * missed. Probes rccs.frames.in with a submit to a device nobody has (refused, nothing stored)
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
                fail("the command queue never answered a probe on rccs.frames.in within 90 s");
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

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A consumer assigned to fixed partitions, positioned at their end when created. */
    public static final class Tail<T> implements AutoCloseable {

        private final KafkaConsumer<String, String> consumer;
        private final Function<ConsumerRecord<String, String>, T> parser;
        private final List<T> seen = new ArrayList<>();

        Tail(List<TopicPartition> partitions, Function<ConsumerRecord<String, String>, T> parser) {
            this(newConsumer(), partitions, parser);
        }

        private Tail(KafkaConsumer<String, String> consumer, List<TopicPartition> partitions,
                Function<ConsumerRecord<String, String>, T> parser) {
            this.consumer = consumer;
            this.parser = parser;
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // seekToEnd is lazy: fix the positions before the test acts
        }

        static <T> Tail<T> allPartitions(String topic, Function<ConsumerRecord<String, String>, T> parser) {
            KafkaConsumer<String, String> consumer = newConsumer();
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            return new Tail<>(consumer, partitions, parser);
        }

        private static KafkaConsumer<String, String> newConsumer() {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            return new KafkaConsumer<>(props);
        }

        private void pollOnce(Duration wait) {
            for (ConsumerRecord<String, String> record : consumer.poll(wait)) {
                T value;
                try {
                    value = parser.apply(record);
                } catch (RuntimeException foreign) {
                    continue; // not ours to judge here
                }
                seen.add(value);
            }
        }

        private List<T> matching(Predicate<T> predicate) {
            return seen.stream().filter(predicate).toList();
        }

        /** The first match within {@code wait}, or null. */
        T poll(Predicate<T> predicate, Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            do {
                List<T> found = matching(predicate);
                if (!found.isEmpty()) {
                    return found.get(0);
                }
                pollOnce(Duration.ofMillis(100));
            } while (System.nanoTime() < deadline);
            List<T> found = matching(predicate);
            return found.isEmpty() ? null : found.get(0);
        }

        /** The first record (since this tail started) that matches; fails after {@link #TIMEOUT}. */
        public T await(String what, Predicate<T> predicate) {
            return awaitCount(what, predicate, 1).get(0);
        }

        /** Waits until at least {@code count} records match, and returns all that match, in order. */
        public List<T> awaitCount(String what, Predicate<T> predicate, int count) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                List<T> found = matching(predicate);
                if (found.size() >= count) {
                    return found;
                }
                if (System.nanoTime() >= deadline) {
                    return fail("expected %d x %s within %s, got %d; everything seen: %s", count, what, TIMEOUT,
                            found.size(), describe());
                }
                pollOnce(Duration.ofMillis(100));
            }
        }

        /** Listens for {@code quiet} and fails if any record matches. */
        public void assertNone(String what, Predicate<T> predicate, Duration quiet) {
            long deadline = System.nanoTime() + quiet.toNanos();
            while (System.nanoTime() < deadline) {
                pollOnce(Duration.ofMillis(100));
            }
            List<T> found = matching(predicate);
            if (!found.isEmpty()) {
                fail("expected no %s, got %s", what, found);
            }
        }

        /** Everything matching seen so far (after one more short poll). */
        public List<T> all(Predicate<T> predicate) {
            pollOnce(Duration.ofMillis(100));
            return matching(predicate);
        }

        private String describe() {
            List<T> last = seen.subList(Math.max(0, seen.size() - 20), seen.size());
            return seen.size() + " records, the last " + last.size() + ": " + last;
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
