package io.rccs.queue;

import static io.rccs.queue.CommandFixture.commandEvent;
import static io.rccs.queue.CommandFixture.eventsOf;
import static io.rccs.queue.KafkaTestSupport.GATEWAY;
import static io.rccs.queue.KafkaTestSupport.QUIET;
import static io.rccs.queue.KafkaTestSupport.TIMEOUT;
import static io.rccs.queue.KafkaTestSupport.clientFrame;
import static io.rccs.queue.KafkaTestSupport.deviceEvent;
import static io.rccs.queue.KafkaTestSupport.frameFor;
import static io.rccs.queue.KafkaTestSupport.payload;
import static io.rccs.queue.KafkaTestSupport.sendDeviceEvent;
import static io.rccs.queue.KafkaTestSupport.sendFrame;
import static io.rccs.queue.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.CommandEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandResult;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.testsupport.KafkaTestKit.Keyed;
import io.rccs.testsupport.KafkaTestKit.Tail;
import io.rccs.testsupport.StoreTestSupport;

/**
 * Revoking a device (io.rccs.device.revoked.v1) ends its unfinished commands CANCELLED with a reason
 * the sender is told, once; the revoked device's frames in flight are refused; pairing events set
 * trust and never count as "online".
 */
@QuarkusTest
class DeviceRevocationTest {

    @Inject
    RedisDataSource redis;

    @Test
    void aRevokedDevicesUnfinishedCommandsAreCancelledOnceAndItsFramesRefused() {
        try (CommandFixture f = new CommandFixture(redis)) {
            sendDeviceEvent(EventTypes.DEVICE_REGISTERED, deviceEvent(f.user, f.sender, true, f.senderConn));
            f.awaitKnown(f.sender);
            f.targetKnownOffline();

            String delivered = f.submitQueued("submit-delivered", "build", "high");
            String dispatched = f.submitQueued("submit-dispatched", "test", "normal");
            String finished = f.submitQueued("submit-finished", "lint", "low");
            f.targetOnline();
            f.deliveries.awaitCount("three commands on D", frameFor(f.user, f.target, FrameType.COMMAND), 3);
            f.ack(delivered);
            f.statuses.await("DELIVERED", f.statusToSender(delivered, "DELIVERED"));
            sendFrame(f.user, f.target, f.targetConn, clientFrame(unique("result"), FrameType.COMMAND_RESULT, null,
                    new CommandResult(finished, true, null, null)));
            f.statuses.await("SUCCEEDED", f.statusToSender(finished, "SUCCEEDED"));

            // D submits to S: a command BY the revoked device, which the revoke leaves alone
            String fromTarget = "submit-from-target";
            sendFrame(f.user, f.target, f.targetConn, clientFrame(fromTarget, FrameType.COMMAND_SUBMIT, f.sender,
                    new CommandSubmit("notify", null, "normal", null, null, null, null)));
            f.deliveries.await("the command from D on S", frameFor(f.user, f.sender, FrameType.COMMAND));

            // the relay revokes D: closes its connection, then publishes the event
            StoreTestSupport.offline(redis, f.user, f.target);
            DeviceEvent revoked = revokedEvent(f.user, f.target);
            sendDeviceEvent(EventTypes.DEVICE_REVOKED, revoked);

            for (String commandId : List.of(delivered, dispatched)) {
                Delivery cancelled = f.statuses.await("CANCELLED of " + commandId, f.statusToSender(commandId, "CANCELLED"));
                CommandStatus status = payload(cancelled.frame(), CommandStatus.class);
                assertThat(status.error()).isEqualTo("device revoked");
                assertThat(status.target()).isEqualTo(f.target);
                assertThat(cancelled.frame().corr()).as("no frame of the sender asked for it").isNull();
                List<Keyed> events = f.commandEvents.awaitCount("events of " + commandId + " up to CANCELLED",
                        eventsOf(commandId).and(e -> "CANCELLED".equals(commandEvent(e).status())), 1);
                CommandEvent event = commandEvent(events.get(0));
                assertThat(event.error()).isEqualTo("device revoked");
            }
            assertThat(statusOf(finished)).as("a finished command stays finished").isEqualTo("SUCCEEDED");
            assertThat(StoreTestSupport.rows("select status from queue.command where user_id = ? and submit_id = ?", f.user, fromTarget))
                    .as("what the revoked device submitted to another is left")
                    .singleElement().satisfies(row -> assertThat(row.get("status")).isEqualTo("DISPATCHED"));
            Map<String, Object> device = knownDevice(f.user, f.target);
            assertThat(device).containsEntry("trusted", false);
            assertThat(device.get("revoked_at")).isNotNull();
            f.awaitOutboxDrained();
            List<Map<String, Object>> afterRevoke = versions(delivered, dispatched);

            // the same revoke again (a redelivered record) changes and sends nothing; then an event the relay
            // made from a device read before the revoke, claiming trust: the revoke stands
            try (Tail<Delivery> later = KafkaTestSupport.deliveries(GATEWAY);
                    Tail<Delivery> laterStatuses = io.rccs.testsupport.KafkaTestKit.inboxAppends();
                    Tail<Keyed> laterEvents = KafkaTestSupport.events(Topics.COMMAND_EVENTS)) {
                sendDeviceEvent(EventTypes.DEVICE_REVOKED, revoked);
                DeviceEvent stale = new DeviceEvent(f.user, f.target, "stale", "desktop", List.of("roo.task@1", "after.revoke"),
                        true, true, f.targetConn, GATEWAY);
                sendDeviceEvent(EventTypes.DEVICE_ONLINE, stale);
                // events of one device are handled in order: once the last one shows, the repeat was handled
                await("the stale online event recorded").atMost(TIMEOUT)
                        .until(() -> List.of((String[]) knownDevice(f.user, f.target).get("capabilities_array")).contains("after.revoke"));
                assertThat(knownDevice(f.user, f.target)).containsEntry("trusted", false);
                f.awaitOutboxDrained();
                later.assertNone("anything for the revoked D", frameFor(f.user, f.target, FrameType.COMMAND), QUIET);
                laterStatuses.assertNone("a second CANCELLED", f.statusToSender(null, "CANCELLED"), Duration.ofMillis(500));
                assertThat(laterEvents.all(event -> delivered.equals(event.key()) || dispatched.equals(event.key())))
                        .as("no second command event").isEmpty();
            }
            assertThat(versions(delivered, dispatched)).as("no transition after the first revoke").isEqualTo(afterRevoke);

            // frames of the revoked D still in flight: refused, whether known commands or new ones
            sendFrame(f.user, f.target, f.targetConn, clientFrame("late-result", FrameType.COMMAND_RESULT, null,
                    new CommandResult(delivered, true, null, null)));
            assertNotTrusted(f, f.target, f.targetConn, "late-result");
            sendFrame(f.user, f.target, f.targetConn, clientFrame("late-submit", FrameType.COMMAND_SUBMIT, f.sender,
                    new CommandSubmit("notify", null, "normal", null, null, null, null)));
            assertNotTrusted(f, f.target, f.targetConn, "late-submit");
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ? and submit_id = ?",
                    f.user, "late-submit")).isZero();
            // and nobody can send D a command any more
            f.submit("submit-to-revoked", "build", "normal");
            assertNotTrusted(f, f.sender, f.senderConn, "submit-to-revoked");
            f.awaitOutboxDrained();
        }
    }

    @Test
    void pairingEventsSetTrustAndNeverCountAsOnline() {
        try (CommandFixture f = new CommandFixture(redis)) {
            String other = unique("other"); // a trusted device that can run it, offline
            sendDeviceEvent(EventTypes.DEVICE_REGISTERED, deviceEvent(f.user, other, true, unique("conn")));
            sendDeviceEvent(EventTypes.DEVICE_OFFLINE, deviceEvent(f.user, other, false, null));
            f.awaitKnown(other);

            // a pending device the queue first hears of by a denied pairing
            sendDeviceEvent(EventTypes.DEVICE_DENIED, pendingEvent(f.user, f.target, false));
            await("the denied device recorded").atMost(TIMEOUT).until(() -> !knownDevices(f.user, f.target).isEmpty());
            assertThat(knownDevice(f.user, f.target)).containsEntry("trusted", false);
            assertThat(lastOnline(f.user, f.target)).as("never seen online").isEqualTo(Instant.EPOCH);
            f.submit("submit-to-pending", "build", "normal");
            assertNotTrusted(f, f.sender, f.senderConn, "submit-to-pending");

            // a pending device's own frames are not refused here: the gateway never forwards them, and a device the
            // directory still lists as pending may have been paired a moment ago (its paired event on its way)
            sendFrame(f.user, f.sender, f.senderConn, clientFrame("submit-anyone", FrameType.COMMAND_SUBMIT, null,
                    new CommandSubmit("index", null, "normal", null, null, null, List.of("roo.task@1"))));
            String commandId = payload(f.statuses.await("QUEUED answering submit-anyone", f.statusToSender(null, "QUEUED")
                    .and(d -> "submit-anyone".equals(d.frame().corr()))).frame(), CommandStatus.class).commandId();

            // paired (it is connected: the claim came over its connection) and renamed: trusted, still not "online"
            StoreTestSupport.online(redis, f.user, f.target, f.targetConn, GATEWAY);
            sendDeviceEvent(EventTypes.DEVICE_PAIRED, pendingEvent(f.user, f.target, true));
            sendDeviceEvent(EventTypes.DEVICE_RENAMED, pendingEvent(f.user, f.target, true));
            await("the paired device trusted").atMost(TIMEOUT)
                    .until(() -> Boolean.TRUE.equals(knownDevice(f.user, f.target).get("trusted")));
            assertThat(lastOnline(f.user, f.target)).isEqualTo(Instant.EPOCH);
            f.deliveries.assertNone("a command dispatched on a pairing event", frameFor(f.user, f.target, FrameType.COMMAND), QUIET);
            assertThat(statusOf(commandId)).isEqualTo("QUEUED");

            // its next online event is what delivers
            sendDeviceEvent(EventTypes.DEVICE_ONLINE, new DeviceEvent(f.user, f.target, "phone", "mobile", List.of("roo.task@1"),
                    true, true, f.targetConn, GATEWAY));
            Delivery command = f.deliveries.await("the command on the paired device", frameFor(f.user, f.target, FrameType.COMMAND));
            assertThat(payload(command.frame(), io.rccs.model.protocol.payload.CommandDelivery.class).commandId()).isEqualTo(commandId);
            assertThat(lastOnline(f.user, f.target)).isAfter(Instant.EPOCH);
            f.awaitOutboxDrained();
        }
    }

    private static DeviceEvent revokedEvent(String user, String device) {
        return new DeviceEvent(user, device, "name of " + device, "desktop", List.of("roo.task@1"), false, false, null, null);
    }

    private static DeviceEvent pendingEvent(String user, String device, boolean trusted) {
        return new DeviceEvent(user, device, "phone " + device, "mobile", List.of("roo.task@1"), trusted, false, null, null);
    }

    private static void assertNotTrusted(CommandFixture f, String device, String connection, String corr) {
        Delivery error = f.deliveries.await("not_trusted answering " + corr,
                frameFor(f.user, device, FrameType.ERROR).and(d -> corr.equals(d.frame().corr())));
        assertThat(error.connectionId()).isEqualTo(connection);
        assertThat(payload(error.frame(), ErrorPayload.class).code()).isEqualTo(ErrorCode.NOT_TRUSTED.wire());
    }

    private static List<Map<String, Object>> versions(String... commandIds) {
        return StoreTestSupport.rows("select command_id::text as id, status, version from queue.command"
                + " where command_id::text = any(?) order by command_id", (Object) commandIds);
    }

    private static String statusOf(String commandId) {
        return (String) StoreTestSupport.rows("select status from queue.command where command_id = ?::uuid", commandId)
                .get(0).get("status");
    }

    private static List<Map<String, Object>> knownDevices(String user, String device) {
        return StoreTestSupport.rows("select trusted, revoked_at, last_online, array_to_string(capabilities, ',') as capability_list"
                + " from queue.known_device where device_key = ?",
                Topics.deviceKey(user, device));
    }

    private static Map<String, Object> knownDevice(String user, String device) {
        List<Map<String, Object>> rows = knownDevices(user, device);
        assertThat(rows).hasSize(1);
        Map<String, Object> row = new java.util.LinkedHashMap<>(rows.get(0));
        String list = (String) row.get("capability_list");
        row.put("capabilities_array", list == null || list.isEmpty() ? new String[0] : list.split(","));
        return row;
    }

    private static Instant lastOnline(String user, String device) {
        return ((Timestamp) knownDevice(user, device).get("last_online")).toInstant();
    }
}
