package io.rccs.queue;

import static io.rccs.queue.KafkaTestSupport.GATEWAY;
import static io.rccs.queue.KafkaTestSupport.clientFrame;
import static io.rccs.queue.KafkaTestSupport.frameFor;
import static io.rccs.queue.KafkaTestSupport.payload;
import static io.rccs.queue.KafkaTestSupport.sendDeviceEvent;
import static io.rccs.queue.KafkaTestSupport.sendFrame;
import static io.rccs.queue.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandDelivery;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.testsupport.StoreTestSupport;

/**
 * The capability rule (shared-model Capabilities): {@code name@major} is met only by the same name
 * and major, a bare {@code name} by the name with any major; requirements that are not capabilities
 * are bad frames.
 */
@QuarkusTest
class CapabilityMatchingTest {

    @Inject
    RedisDataSource redis;

    @Test
    void requirementsAreMetByTheSameMajorOrByAnyMajorWhenBare() {
        try (CommandFixture f = new CommandFixture(redis)) {
            String one = f.target; // offers roo.task@1 and a bare git
            String two = unique("two"); // offers roo.task@2
            String twoConn = unique("conn");
            register(f, one, List.of("roo.task@1", "git"));
            register(f, two, List.of("roo.task@2"));

            String needsOne = queued(f, "needs-one", List.of("roo.task@1"));
            String needsTwo = queued(f, "needs-two", List.of("roo.task@2"));
            String needsAny = queued(f, "needs-any", List.of("roo.task"));
            String needsOneAndGit = queued(f, "needs-one-and-git", List.of("roo.task@1", "git"));
            refused(f, "needs-three", null, List.of("roo.task@3"), ErrorCode.NO_CAPABLE_DEVICE);
            refused(f, "needs-git-1", null, List.of("git@1"), ErrorCode.NO_CAPABLE_DEVICE); // a bare offer meets bare only
            refused(f, "two-needs-one", two, List.of("roo.task@1"), ErrorCode.NO_CAPABLE_DEVICE);
            refused(f, "leading-zero", null, List.of("roo.task@01"), ErrorCode.BAD_FRAME);
            refused(f, "empty-name", null, List.of("@1"), ErrorCode.BAD_FRAME);
            refused(f, "two-ats", null, List.of("roo.task@1@2"), ErrorCode.BAD_FRAME);

            // "two" comes online first: it gets what roo.task@2 meets, the bare requirement included
            StoreTestSupport.online(redis, f.user, two, twoConn, GATEWAY);
            sendDeviceEvent(EventTypes.DEVICE_ONLINE, event(f.user, two, List.of("roo.task@2"), true, twoConn));
            List<Delivery> onTwo = f.deliveries.awaitCount("two commands on two", frameFor(f.user, two, FrameType.COMMAND), 2);
            assertThat(onTwo).extracting(d -> payload(d.frame(), CommandDelivery.class).commandId())
                    .containsExactlyInAnyOrder(needsTwo, needsAny);

            // then "one": the roo.task@1 commands
            StoreTestSupport.online(redis, f.user, one, f.targetConn, GATEWAY);
            sendDeviceEvent(EventTypes.DEVICE_ONLINE, event(f.user, one, List.of("roo.task@1", "git"), true, f.targetConn));
            List<Delivery> onOne = f.deliveries.awaitCount("two commands on one", frameFor(f.user, one, FrameType.COMMAND), 2);
            assertThat(onOne).extracting(d -> payload(d.frame(), CommandDelivery.class).commandId())
                    .containsExactlyInAnyOrder(needsOne, needsOneAndGit);
            f.awaitOutboxDrained();
            assertThat(f.deliveries.all(frameFor(f.user, two, FrameType.COMMAND))).as("nothing more for two").hasSize(2);
            assertThat(f.deliveries.all(frameFor(f.user, one, FrameType.COMMAND))).as("nothing more for one").hasSize(2);
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ?", f.user))
                    .as("refused submits store nothing").isEqualTo(4);
            StoreTestSupport.offline(redis, f.user, two);
        }
    }

    private static void register(CommandFixture f, String device, List<String> capabilities) {
        sendDeviceEvent(EventTypes.DEVICE_REGISTERED, event(f.user, device, capabilities, true, unique("conn")));
        sendDeviceEvent(EventTypes.DEVICE_OFFLINE, event(f.user, device, capabilities, false, null));
        f.awaitKnown(device);
    }

    private static DeviceEvent event(String user, String device, List<String> capabilities, boolean online, String conn) {
        return new DeviceEvent(user, device, "name of " + device, "desktop", capabilities, true, online, conn, GATEWAY);
    }

    private static void submit(CommandFixture f, String id, String to, List<String> requires) {
        sendFrame(f.user, f.sender, f.senderConn, clientFrame(id, FrameType.COMMAND_SUBMIT, to,
                new CommandSubmit(id, KafkaTestSupport.payloadOf(Map.of("n", id)), "normal", null, null, null, requires)));
    }

    private static String queued(CommandFixture f, String id, List<String> requires) {
        submit(f, id, null, requires);
        Delivery queued = f.statuses.await("QUEUED answering " + id,
                f.statusToSender(null, "QUEUED").and(d -> id.equals(d.frame().corr())));
        return payload(queued.frame(), CommandStatus.class).commandId();
    }

    private static void refused(CommandFixture f, String id, String to, List<String> requires, ErrorCode code) {
        submit(f, id, to, requires);
        Delivery error = f.deliveries.await(code.wire() + " answering " + id,
                frameFor(f.user, f.sender, FrameType.ERROR).and(d -> id.equals(d.frame().corr())));
        assertThat(payload(error.frame(), ErrorPayload.class).code()).as(id).isEqualTo(code.wire());
    }
}
