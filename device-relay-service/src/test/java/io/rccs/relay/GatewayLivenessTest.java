package io.rccs.relay;

import static io.rccs.relay.KafkaTestSupport.GATEWAY;
import static io.rccs.relay.KafkaTestSupport.QUIET;
import static io.rccs.relay.KafkaTestSupport.frameFor;
import static io.rccs.relay.KafkaTestSupport.hello;
import static io.rccs.relay.KafkaTestSupport.payload;
import static io.rccs.relay.KafkaTestSupport.sendFrame;
import static io.rccs.relay.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.common.PresenceReader;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.presence.GatewayRuns;
import io.rccs.model.presence.PresenceEntry;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Presence;
import io.rccs.testsupport.KafkaTestKit;
import io.rccs.testsupport.KafkaTestKit.Keyed;
import io.rccs.testsupport.KafkaTestKit.Tail;
import io.rccs.testsupport.StoreTestSupport;

/**
 * Gateway liveness (issue 9): the devices of a gateway run whose alive key lapsed are reported
 * offline by the relay's sweep, a live run is left alone, and presence never returns an entry of a
 * dead run. The tests play gateway {@link KafkaTestKit#GATEWAY}'s runs: its alive key is theirs.
 */
@QuarkusTest
class GatewayLivenessTest {

    /**
     * How soon a dead run's devices must be offline at the others: its alive key must be missing for
     * half a heartbeat (7.5 s) before the sweep (every 500 ms here) takes it for dead.
     */
    static final Duration SOON = Duration.ofSeconds(15);

    @Inject
    RedisDataSource redis;

    @Inject
    PresenceReader presence;

    private final String user = unique("user");
    private final List<String> devices = new ArrayList<>();
    private final List<String> runs = new ArrayList<>();

    @BeforeEach
    void noLiveRun() {
        KafkaTestSupport.awaitRelayReady();
        redis.key().del(GatewayRuns.aliveKey(GATEWAY));
    }

    @AfterEach
    void cleanUp() {
        runs.forEach(run -> redis.set(String.class).srem(GatewayRuns.RUNS, run));
        redis.key().del(GatewayRuns.aliveKey(GATEWAY));
        devices.forEach(device -> StoreTestSupport.offline(redis, user, device));
    }

    @Test
    void theDevicesOfADeadRunGoOfflineAtTheOthersAndALiveRunIsLeftAlone() {
        String deadEpoch = unique("dead");
        String liveEpoch = unique("live");
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY);
                Tail<Keyed> events = KafkaTestSupport.events(Topics.DEVICE_EVENTS)) {
            String desk = connect(deliveries, "desk", unique("conn"));
            String phoneConn = unique("conn");
            String phone = connect(deliveries, "phone", phoneConn);
            String tablet = connect(deliveries, "tablet", unique("conn"));
            deliveries.await("the tablet announced at the desk", presenceAt(desk, tablet, "online"));

            // the tablet is on the live run of the gateway, the phone on a run that died (no alive key holds it)
            redis.value(String.class).set(GatewayRuns.aliveKey(GATEWAY), liveEpoch, new SetArgs().px(Duration.ofMinutes(2)));
            onRun(tablet, liveEpoch);
            onRun(phone, deadEpoch);
            long died = System.nanoTime();

            Delivery offline = deliveries.poll(presenceAt(desk, phone, "offline"), SOON);
            assertThat(offline).as("presence offline of the phone at the desk within %s", SOON).isNotNull();
            assertThat(Duration.ofNanos(System.nanoTime() - died)).isLessThan(SOON);
            Keyed event = events.await("device.offline of the phone",
                    KafkaTestKit.eventOf(Topics.deviceKey(user, phone), EventTypes.DEVICE_OFFLINE));
            DeviceEvent data = event.data(DeviceEvent.class);
            assertThat(data.online()).isFalse();
            assertThat(data.connectionId()).isEqualTo(phoneConn);
            assertThat(data.gateway()).isEqualTo(GATEWAY);

            Awaitility.await().atMost(SOON).until(() -> !redis.set(String.class)
                    .sismember(GatewayRuns.RUNS, GatewayRuns.run(GATEWAY, deadEpoch)));
            assertThat(redis.key().exists(PresenceEntry.key(user, phone))).as("the dead run's entry is removed").isFalse();

            // the same sweeps saw the live run: nothing of it was touched
            events.assertNone("device.offline of the tablet",
                    KafkaTestKit.eventOf(Topics.deviceKey(user, tablet), EventTypes.DEVICE_OFFLINE), QUIET);
            assertThat(deliveries.all(presenceAt(desk, tablet, "offline"))).isEmpty();
            assertThat(redis.set(String.class).sismember(GatewayRuns.RUNS, GatewayRuns.run(GATEWAY, liveEpoch))).isTrue();
            assertThat(redis.hash(String.class).hget(PresenceEntry.key(user, tablet), "epoch")).isEqualTo(liveEpoch);
            assertThat(presence.find(user, tablet).await().atMost(Duration.ofSeconds(5))).isPresent();
        }
    }

    @Test
    void presenceIgnoresAnEntryOfADeadRunAndSeesANewRunAtOnce() {
        String device = unique("dev");
        devices.add(device);
        StoreTestSupport.online(redis, user, device, unique("conn"), GATEWAY);
        assertThat(find(device)).as("an entry without a run counts as before").isPresent();

        // not in the runs set, so no sweep removes it: only presence decides
        String old = unique("old");
        redis.hash(String.class).hset(PresenceEntry.key(user, device), "epoch", old);
        assertThat(find(device)).as("a run no alive key holds").isEmpty();

        String fresh = unique("fresh");
        redis.value(String.class).set(GatewayRuns.aliveKey(GATEWAY), fresh, new SetArgs().px(Duration.ofMinutes(2)));
        redis.hash(String.class).hset(PresenceEntry.key(user, device), "epoch", fresh);
        assertThat(find(device)).as("a run that just started is live at once, not after the next refresh").isPresent();
        assertThat(find(device).orElseThrow().epoch()).isEqualTo(fresh);

        redis.hash(String.class).hset(PresenceEntry.key(user, device), "epoch", old);
        assertThat(find(device)).as("the old run, while another run holds the alive key").isEmpty();

        redis.hash(String.class).hset(PresenceEntry.key(user, device), "epoch", fresh);
        redis.key().del(GatewayRuns.aliveKey(GATEWAY)); // the fresh run dies
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> find(device).isEmpty());
    }

    @Test
    void aCloseOfTheConnectionPresenceStillHasTakesTheDeviceOfflineAndOneOfAnOlderConnectionDoesNot() {
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY);
                Tail<Keyed> events = KafkaTestSupport.events(Topics.DEVICE_EVENTS)) {
            String desk = connect(deliveries, "desk", unique("conn"));
            String phoneConn = unique("conn");
            String phone = connect(deliveries, "phone", phoneConn);

            // an older connection of the phone closes: the entry is the current one's, so the phone stays online
            closed(phone, unique("older"));
            events.assertNone("device.offline of the phone for an older connection",
                    KafkaTestKit.eventOf(Topics.deviceKey(user, phone), EventTypes.DEVICE_OFFLINE), QUIET);

            // the current connection is replaced (4409): a newer connection's entry is on its way, still online
            closed(phone, phoneConn, 4409);
            events.assertNone("device.offline of the phone for a replaced connection",
                    KafkaTestKit.eventOf(Topics.deviceKey(user, phone), EventTypes.DEVICE_OFFLINE), QUIET);

            // the current connection closes while its entry is still there (as a dead gateway's sweep publishes it)
            closed(phone, phoneConn);
            events.await("device.offline of the phone", KafkaTestKit.eventOf(Topics.deviceKey(user, phone), EventTypes.DEVICE_OFFLINE));
            deliveries.await("presence offline of the phone at the desk", presenceAt(desk, phone, "offline"));
        }
    }

    private String connect(Tail<Delivery> deliveries, String kind, String connectionId) {
        String device = unique(kind);
        devices.add(device);
        StoreTestSupport.online(redis, user, device, connectionId, GATEWAY);
        String helloId = unique("hello");
        sendFrame(user, device, connectionId, hello(helloId, device, "desk".equals(kind) ? "desktop" : "mobile"));
        deliveries.await("welcome of " + device, frameFor(user, device, FrameType.WELCOME).and(d -> helloId.equals(d.frame().corr())));
        return device;
    }

    /** The device's entry as a gateway run writes it, and the run in the set of runs. */
    private void onRun(String device, String epoch) {
        redis.hash(String.class).hset(PresenceEntry.key(user, device), "epoch", epoch);
        String run = GatewayRuns.run(GATEWAY, epoch);
        runs.add(run);
        redis.set(String.class).sadd(GatewayRuns.RUNS, run);
    }

    private void closed(String device, String connectionId) {
        closed(device, connectionId, 1006);
    }

    private void closed(String device, String connectionId, int code) {
        KafkaTestKit.send(Topics.FRAMES_IN, user, CloudEvent.of(EventTypes.CONNECTION_CLOSED, "/test", user,
                new ConnectionClosed(user, device, connectionId, GATEWAY, code)).toJson());
    }

    private java.util.Optional<PresenceEntry> find(String device) {
        return presence.find(user, device).await().atMost(Duration.ofSeconds(5));
    }

    private Predicate<Delivery> presenceAt(String at, String about, String state) {
        return frameFor(user, at, FrameType.PRESENCE).and(d -> {
            Presence told = payload(d.frame(), Presence.class);
            return about.equals(told.deviceId()) && state.equals(told.presence());
        });
    }
}
