package io.rccs.queue;

import static io.rccs.queue.CommandFixture.row;
import static io.rccs.queue.CommandSchedulingTest.commandFrame;
import static io.rccs.queue.KafkaTestSupport.TIMEOUT;
import static io.rccs.queue.KafkaTestSupport.deviceEvent;
import static io.rccs.queue.KafkaTestSupport.sendDeviceEvent;
import static io.rccs.queue.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.testsupport.StoreTestSupport;

/**
 * A submit without {@code to} and a capable device coming online at the same time: whichever commits
 * first, the command must reach the device (SPEC 3.3: "without to, the target is chosen at dispatch
 * time: a trusted, online device of the user with every required capability").
 * <p>
 * The interleaving is forced, not hoped for: the test holds an uncommitted row with the submit's
 * idempotency key, so the submit's INSERT waits on the unique index after it has read the user's
 * devices; the device's online event is sent while it waits; then the test rolls back and lets the
 * submit commit.
 */
@QuarkusTest
class AutoTargetSubmitRaceTest {

    private static final List<String> TASK = List.of("roo.task@1");

    @Inject
    RedisDataSource redis;

    @Test
    void aCapableDeviceComingOnlineDuringAnAutoTargetSubmitGetsTheCommand() throws Exception {
        try (CommandFixture f = new CommandFixture(redis); Connection blocker = connection()) {
            String desktop = unique("desktop");
            String desktopConn = unique("conn");
            sendDeviceEvent(EventTypes.DEVICE_REGISTERED, deviceEvent(f.user, desktop, "desktop", TASK, true, desktopConn));
            sendDeviceEvent(EventTypes.DEVICE_OFFLINE, deviceEvent(f.user, desktop, "desktop", TASK, false, null));
            f.awaitOnline(desktop, false);

            String submitId = "submit-racing";
            blocker.setAutoCommit(false);
            try (PreparedStatement hold = blocker.prepareStatement("INSERT INTO queue.command (command_id, user_id, sender_device,"
                    + " submit_id, name, priority, status, max_attempts, expires_at, ttl_sec)"
                    + " VALUES (?, ?, ?, ?, 'placeholder', 1, 'CANCELLED', 1, now(), 1)")) {
                hold.setObject(1, UUID.randomUUID());
                hold.setString(2, f.user);
                hold.setString(3, f.sender);
                hold.setString(4, submitId);
                hold.executeUpdate();
            }

            // the submit reads the devices (the desktop is offline), then waits to insert
            f.submit(submitId, null, new CommandSubmit("index", null, "normal", null, null, null, TASK));
            await("the submit waiting on its insert").atMost(TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(() -> waiting("INSERT INTO queue.command%") == 1);

            // the desktop connects meanwhile: its online event either goes through now or waits for the submit
            StoreTestSupport.online(redis, f.user, desktop, desktopConn, KafkaTestSupport.GATEWAY);
            sendDeviceEvent(EventTypes.DEVICE_ONLINE, deviceEvent(f.user, desktop, "desktop", TASK, true, desktopConn));
            await("the online event handled, or waiting for the submit").atMost(TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(() -> waiting("%known_device%FOR UPDATE%") == 1 || StoreTestSupport.count(
                            "select count(*) from queue.known_device where device_key = ? and online",
                            Topics.deviceKey(f.user, desktop)) == 1);
            blocker.rollback();

            String commandId = io.rccs.queue.KafkaTestSupport.payload(f.statuses.await("QUEUED", f.statusToSender(null, "QUEUED")
                    .and(d -> submitId.equals(d.frame().corr()))).frame(), io.rccs.model.protocol.payload.CommandStatus.class).commandId();
            f.awaitOnline(desktop, true);
            Delivery sent = f.deliveries.poll(commandFrame(f.user, commandId), Duration.ofSeconds(5));
            assertThat(sent).as("the command, for the desktop that is online (the command: %s)", row(commandId)).isNotNull();
            assertThat(sent.deviceId()).isEqualTo(desktop);
            f.ack(desktop, desktopConn, commandId);
            f.statuses.await("DELIVERED", f.statusToSender(commandId, "DELIVERED"));
            f.awaitOutboxDrained();
        }
    }

    /** How many statements of the test database wait for a lock, by their text. */
    private static long waiting(String queryLike) {
        return StoreTestSupport.count("select count(*) from pg_stat_activity where datname = current_database()"
                + " and wait_event_type = 'Lock' and query like ?", queryLike);
    }

    private static Connection connection() throws Exception {
        Config config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
    }
}
