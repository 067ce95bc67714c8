package io.rccs.queue;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.testsupport.KafkaTestKit;
import io.rccs.testsupport.StoreTestSupport;

/** The gateway double of service-test-support, plus what only the command queue tests need. */
public final class KafkaTestSupport extends KafkaTestKit {

    private static boolean framesReady;
    private static boolean deviceEventsReady;

    private KafkaTestSupport() {
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
}
