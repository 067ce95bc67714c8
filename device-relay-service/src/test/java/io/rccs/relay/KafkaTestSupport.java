package io.rccs.relay;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.List;

import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.DevicesList;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.testsupport.KafkaTestKit;

/** The gateway double of service-test-support, plus what only the relay tests need. */
public final class KafkaTestSupport extends KafkaTestKit {

    /** The app start (quarkus.uuid) whose relay answered a probe: a test profile restarts the app. */
    private static String readyFor;

    private KafkaTestSupport() {
    }

    /** The hello a device of this kind sends first. */
    public static Frame hello(String id, String deviceId, String kind, String... capabilities) {
        return clientFrame(id, FrameType.HELLO, null, new Hello(deviceId, "name of " + deviceId, kind, "linux", "1.0.0",
                List.of(capabilities), null));
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
