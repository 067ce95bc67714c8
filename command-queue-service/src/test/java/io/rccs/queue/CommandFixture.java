package io.rccs.queue;

import static io.rccs.queue.KafkaTestSupport.GATEWAY;
import static io.rccs.queue.KafkaTestSupport.TIMEOUT;
import static io.rccs.queue.KafkaTestSupport.clientFrame;
import static io.rccs.queue.KafkaTestSupport.deviceEvent;
import static io.rccs.queue.KafkaTestSupport.frameFor;
import static io.rccs.queue.KafkaTestSupport.payload;
import static io.rccs.queue.KafkaTestSupport.sendDeviceEvent;
import static io.rccs.queue.KafkaTestSupport.sendFrame;
import static io.rccs.queue.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.rccs.testsupport.StoreTestSupport;
import io.quarkus.redis.datasource.RedisDataSource;
import io.rccs.model.events.CommandEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandAck;
import io.rccs.model.protocol.payload.CommandCancel;
import io.rccs.model.protocol.payload.CommandResult;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.testsupport.KafkaTestKit.Keyed;
import io.rccs.testsupport.KafkaTestKit.Tail;

/**
 * One user with a sender device S (online at {@link KafkaTestSupport#GATEWAY}) and a target device
 * D, plus tails on that gateway's deliveries and on rccs.command.events, opened before anything is sent.
 */
final class CommandFixture implements AutoCloseable {

    final String user = unique("user");
    final String sender = unique("sender");
    final String senderConn = unique("conn");
    final String target = unique("target");
    final String targetConn = unique("conn");
    final Tail<Delivery> deliveries;
    final Tail<Keyed> commandEvents;
    /** The command.status frames the queue put in devices' inboxes (rccs.frames.in, inbox.append). */
    final Tail<Delivery> statuses;
    private final RedisDataSource redis;
    /** Devices {@link #deviceOnline} put in Redis, taken out again on close. */
    private final List<String> extraDevices = new ArrayList<>();

    CommandFixture(RedisDataSource redis) {
        this.redis = redis;
        KafkaTestSupport.awaitQueueReady();
        this.deliveries = KafkaTestSupport.deliveries(GATEWAY);
        this.commandEvents = KafkaTestSupport.events(Topics.COMMAND_EVENTS);
        this.statuses = io.rccs.testsupport.KafkaTestKit.inboxAppends();
        StoreTestSupport.online(redis, user, sender, senderConn, GATEWAY);
    }

    /** D was registered and went offline; returns once the queue's directory knows it. */
    void targetKnownOffline() {
        sendDeviceEvent(EventTypes.DEVICE_REGISTERED, deviceEvent(user, target, true, targetConn));
        sendDeviceEvent(EventTypes.DEVICE_OFFLINE, deviceEvent(user, target, false, targetConn));
        awaitKnown(target);
    }

    /** D connects: presence first, then the relay's online event. */
    void targetOnline() {
        StoreTestSupport.online(redis, user, target, targetConn, GATEWAY);
        sendDeviceEvent(EventTypes.DEVICE_ONLINE, deviceEvent(user, target, true, targetConn));
    }

    void awaitKnown(String deviceId) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (StoreTestSupport.count("select count(*) from queue.known_device where device_key = ?",
                Topics.deviceKey(user, deviceId)) != 1) {
            if (System.nanoTime() > deadline) {
                fail("queue.known_device never got %s", Topics.deviceKey(user, deviceId));
            }
            KafkaTestSupport.sleep(100);
        }
    }

    /** S submits to D. */
    void submit(String submitId, String name, String priority) {
        sendFrame(user, sender, senderConn, clientFrame(submitId, FrameType.COMMAND_SUBMIT, target,
                new CommandSubmit(name, KafkaTestSupport.payloadOf(Map.of("n", name)), priority, null, null, null, null)));
    }

    /** Submits and returns the commandId of the QUEUED status answering the submit. */
    String submitQueued(String submitId, String name, String priority) {
        submit(submitId, name, priority);
        Delivery queued = statuses.await("QUEUED answering " + submitId, statusToSender(null, "QUEUED")
                .and(d -> submitId.equals(d.frame().corr())));
        return payload(queued.frame(), CommandStatus.class).commandId();
    }

    /** D acknowledges a command. */
    void ack(String commandId) {
        sendFrame(user, target, targetConn, clientFrame(unique("ack"), FrameType.COMMAND_ACK, null, new CommandAck(commandId)));
    }

    /** A command.status frame for S (about this command, when given) with this status. */
    Predicate<Delivery> statusToSender(String commandId, String status) {
        return frameFor(user, sender, FrameType.COMMAND_STATUS).and(d -> {
            CommandStatus body = payload(d.frame(), CommandStatus.class);
            return status.equals(body.status()) && (commandId == null || commandId.equals(body.commandId()));
        });
    }

    /** The command events (in topic order) of one command. */
    static Predicate<Keyed> eventsOf(String commandId) {
        return event -> commandId.equals(event.key()) && EventTypes.COMMAND_STATUS.equals(event.event().type());
    }

    static CommandEvent commandEvent(Keyed event) {
        return event.data(CommandEvent.class);
    }

    /** Every outbox entry of this user is published (and so deleted). */
    void awaitOutboxDrained() {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long left;
        while ((left = StoreTestSupport.count("select count(*) from queue.outbox where user_id = ?", user)) != 0) {
            if (System.nanoTime() > deadline) {
                fail("%d outbox entries of %s still unpublished after %s", left, user, TIMEOUT);
            }
            KafkaTestSupport.sleep(100);
        }
    }

    /** S submits a command to {@code to} (null: any capable device). */
    void submit(String submitId, String to, CommandSubmit command) {
        sendFrame(user, sender, senderConn, clientFrame(submitId, FrameType.COMMAND_SUBMIT, to, command));
    }

    /** Submits and returns the commandId of the QUEUED status answering the submit. */
    String submitQueued(String submitId, String to, CommandSubmit command) {
        submit(submitId, to, command);
        Delivery queued = statuses.await("QUEUED answering " + submitId, statusToSender(null, "QUEUED")
                .and(d -> submitId.equals(d.frame().corr())));
        return payload(queued.frame(), CommandStatus.class).commandId();
    }

    /** D connects and the queue's directory has it online. */
    void targetOnlineKnown() {
        targetOnline();
        awaitOnline(target, true);
    }

    /**
     * Another device of the user connects (presence, then its online event: a trusted device of this kind with
     * these capabilities); returns once the queue's directory has it online.
     */
    void deviceOnline(String deviceId, String connectionId, String kind, List<String> capabilities) {
        extraDevices.add(deviceId);
        StoreTestSupport.online(redis, user, deviceId, connectionId, GATEWAY);
        sendDeviceEvent(EventTypes.DEVICE_ONLINE, KafkaTestSupport.deviceEvent(user, deviceId, kind, capabilities, true, connectionId));
        awaitOnline(deviceId, true);
    }

    /** A device disconnects: presence gone, then its offline event; returns once the directory has it offline. */
    void deviceOffline(String deviceId, String kind, List<String> capabilities) {
        StoreTestSupport.offline(redis, user, deviceId);
        sendDeviceEvent(EventTypes.DEVICE_OFFLINE, KafkaTestSupport.deviceEvent(user, deviceId, kind, capabilities, false, null));
        awaitOnline(deviceId, false);
    }

    /** Waits until queue.known_device has the device with this presence. */
    void awaitOnline(String deviceId, boolean online) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (StoreTestSupport.count("select count(*) from queue.known_device where device_key = ? and online = ?",
                Topics.deviceKey(user, deviceId), online) != 1) {
            if (System.nanoTime() > deadline) {
                fail("queue.known_device never had %s %s", Topics.deviceKey(user, deviceId), online ? "online" : "offline");
            }
            KafkaTestSupport.sleep(50);
        }
    }

    /** A device acknowledges a command. */
    void ack(String deviceId, String connectionId, String commandId) {
        sendFrame(user, deviceId, connectionId, clientFrame(unique("ack"), FrameType.COMMAND_ACK, null, new CommandAck(commandId)));
    }

    /** A device reports a result. */
    void result(String deviceId, String connectionId, String commandId, boolean ok) {
        sendFrame(user, deviceId, connectionId, clientFrame(unique("result"), FrameType.COMMAND_RESULT, null,
                new CommandResult(commandId, ok, null, ok ? null : "failed")));
    }

    /** S cancels a command. */
    void cancel(String cancelId, String commandId) {
        sendFrame(user, sender, senderConn, clientFrame(cancelId, FrameType.COMMAND_CANCEL, null, new CommandCancel(commandId)));
    }

    /** The command's row (status, attempt, target_device, ...). */
    static Map<String, Object> row(String commandId) {
        List<Map<String, Object>> rows = StoreTestSupport.rows("select * from queue.command where command_id = ?::uuid", commandId);
        if (rows.size() != 1) {
            fail("no single row for command %s: %s", commandId, rows);
        }
        return rows.get(0);
    }

    /** The command.status payloads S got for the command so far, in the order they were published. */
    List<CommandStatus> statusesOf(String commandId) {
        return statuses.all(frameFor(user, sender, FrameType.COMMAND_STATUS)).stream()
                .map(d -> payload(d.frame(), CommandStatus.class))
                .filter(status -> commandId.equals(status.commandId()))
                .toList();
    }

    @Override
    public void close() {
        extraDevices.forEach(device -> StoreTestSupport.offline(redis, user, device));
        StoreTestSupport.offline(redis, user, sender);
        StoreTestSupport.offline(redis, user, target);
        deliveries.close();
        commandEvents.close();
        statuses.close();
    }
}
