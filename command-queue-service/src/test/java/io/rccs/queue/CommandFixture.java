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

    @Override
    public void close() {
        StoreTestSupport.offline(redis, user, sender);
        StoreTestSupport.offline(redis, user, target);
        deliveries.close();
        commandEvents.close();
        statuses.close();
    }
}
