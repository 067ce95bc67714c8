package io.rccs.relay;

import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboxAppend;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.DevicesList;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.testsupport.KafkaTestKit;

/** The gateway double of service-test-support, plus what only the relay tests need. */
public final class KafkaTestSupport extends KafkaTestKit {

    /** The app start (quarkus.uuid) whose relay answered a probe: a test profile restarts the app. */
    private static String readyFor;
    private static KafkaProducer<String, String> appends;

    private KafkaTestSupport() {
    }

    /** The hello a device of this kind sends first. */
    public static Frame hello(String id, String deviceId, String kind, String... capabilities) {
        return clientFrame(id, FrameType.HELLO, null, new Hello(deviceId, "name of " + deviceId, kind, "linux", "1.0.0",
                List.of(capabilities), null));
    }

    /**
     * Publishes what the command queue publishes to put a frame in a device's inbox: an
     * {@link EventTypes#INBOX_APPEND} on rccs.frames.in, key user id, frame-type header
     * {@code inbox.append}; waits for the broker's acknowledgement. {@code data} is an
     * {@link InboxAppend}, or anything else to see the relay refuse it.
     */
    public static void sendInboxAppend(String userId, Object data) {
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.FRAMES_IN, userId,
                CloudEvent.of(EventTypes.INBOX_APPEND, "/command-queue", userId, data).toJson());
        record.headers().add(Topics.FRAME_TYPE_HEADER, Topics.INBOX_APPEND_TYPE.getBytes(StandardCharsets.UTF_8));
        try {
            appendProducer().send(record).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not publish the inbox append", e);
        }
    }

    public static void sendInboxAppend(InboxAppend append) {
        sendInboxAppend(append.userId(), append);
    }

    /** KafkaTestKit's producer sends no headers: this one is for records that carry one. */
    private static synchronized KafkaProducer<String, String> appendProducer() {
        if (appends == null) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            appends = new KafkaProducer<>(props);
        }
        return appends;
    }

    /**
     * Waits until the relay's consumer group reads rccs.frames.in: in the test profile it starts at
     * the latest offset, so anything published before its partitions are assigned would be missed.
     * Probes with devices.list (no state is written) until one is answered.
     */
    public static synchronized void awaitRelayReady() {
        String app = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("quarkus.uuid", String.class);
        if (app.equals(readyFor)) {
            return;
        }
        String user = unique("probe");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (Tail<Delivery> answers = deliveries(GATEWAY)) {
            int attempt = 0;
            while (System.nanoTime() < deadline) {
                String id = "probe-" + attempt++;
                sendFrame(user, "probe", "probe-conn", clientFrame(id, FrameType.DEVICES_LIST, null,
                        new DevicesList(null, null, null)));
                // any answer will do (the probe device is not registered: not_trusted)
                if (answers.poll(d -> user.equals(d.userId()) && d.frame() != null && id.equals(d.frame().corr()),
                        Duration.ofSeconds(3)) != null) {
                    readyFor = app;
                    return;
                }
            }
        }
        fail("the relay never answered a probe on rccs.frames.in within 90 s");
    }
}
