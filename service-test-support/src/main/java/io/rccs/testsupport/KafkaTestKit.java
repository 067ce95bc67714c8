package io.rccs.testsupport;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;

/**
 * Plays the gateway against the real broker: publishes what clients send on rccs.frames.in and
 * reads what a service addresses to the gateway partition reserved for its tests
 * ({@code rccs.test.gateway} in the module's test profile). A module's own support class extends
 * this one with what only it needs.
 */
public class KafkaTestKit {

    /** The rccs.deliveries partition (= gateway index) this module's tests own. */
    public static final int GATEWAY = ConfigProvider.getConfig().getValue("rccs.test.gateway", Integer.class);
    public static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** How long a "nothing arrives" check listens. */
    public static final Duration QUIET = Duration.ofMillis(2500);

    private static final String SOURCE = "/rccs-gateway/" + GATEWAY;
    private static KafkaProducer<String, String> producer;

    protected KafkaTestKit() {
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static String bootstrap() {
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

    /**
     * What the gateway publishes when a connection sends a frame: key = user id, topic by frame type.
     * A hello carries the proof the gateway adds: here always the same made-up credential of the
     * device, as if the gateway had issued it ({@link #testCredentialHash}), so a device's every
     * hello is accepted as that first hello handled again.
     */
    public static InboundFrame sendFrame(String userId, String deviceId, String connectionId, Frame frame) {
        boolean hello = frame.is(io.rccs.model.protocol.FrameType.HELLO);
        return sendFrame(new InboundFrame(userId, deviceId, connectionId, GATEWAY, List.of("rccs-user"), frame,
                hello ? testCredentialHash(deviceId) : null, hello ? Boolean.TRUE : null));
    }

    /** Publishes an inbound frame exactly as given (for tests of the hello proof). */
    public static InboundFrame sendFrame(InboundFrame in) {
        send(Topics.inboundTopic(in.frame().type()), in.userId(), CloudEvent.of(EventTypes.FRAME_RECEIVED, SOURCE, in.userId(), in).toJson());
        return in;
    }

    /** The hash {@link #sendFrame(String, String, String, Frame)} presents for a device's hello. */
    public static String testCredentialHash(String deviceId) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("test credential of " + deviceId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Frame clientFrame(String id, FrameType type, String to, Object payload) {
        return Frame.client(id, type, to, FrameCodec.toPayload(payload));
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

    /**
     * Reads the {@code inbox.append} records on rccs.frames.in from now on, as deliveries of their
     * frame to their device (what the relay will put in the device's inbox).
     */
    public static Tail<Delivery> inboxAppends() {
        return Tail.allPartitions(Topics.FRAMES_IN, record -> {
            CloudEvent event = CloudEvent.fromJson(record.value());
            if (!io.rccs.model.events.EventTypes.INBOX_APPEND.equals(event.type())) {
                throw new IllegalArgumentException("not an inbox append"); // passed over
            }
            io.rccs.model.events.InboxAppend append = event.data(io.rccs.model.events.InboxAppend.class);
            return Delivery.of(append.userId(), append.deviceId(), append.frame());
        });
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

        public Tail(List<TopicPartition> partitions, Function<ConsumerRecord<String, String>, T> parser) {
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

        public static <T> Tail<T> allPartitions(String topic, Function<ConsumerRecord<String, String>, T> parser) {
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
        public T poll(Predicate<T> predicate, Duration wait) {
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
