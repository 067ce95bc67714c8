package io.rccs.queue;

import static io.rccs.queue.CommandFixture.commandEvent;
import static io.rccs.queue.CommandFixture.eventsOf;
import static io.rccs.queue.KafkaTestSupport.frameFor;
import static io.rccs.queue.KafkaTestSupport.payload;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.rccs.testsupport.StoreTestSupport;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.CommandEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandDelivery;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.testsupport.KafkaTestKit.Keyed;

/**
 * SPEC 3.3: commands for an offline device are stored (once per submit id), delivered critical
 * first when it comes online, and every transition reaches the sender and rccs.command.events.
 */
@QuarkusTest
class CommandLifecycleTest {

    @Inject
    RedisDataSource redis;

    @Test
    void queuedWhileOfflineThenDispatchedInPriorityOrderAndAcknowledged() {
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetKnownOffline();

            String low = f.submitQueued("submit-low", "lint", "low");
            String critical = f.submitQueued("submit-critical", "deploy", "critical");
            assertThat(low).isNotEqualTo(critical);
            assertThat(StoreTestSupport.rows("select status, attempt, priority, target_device from queue.command where command_id = ?::uuid", low))
                    .singleElement().satisfies(row -> {
                        assertThat(row).containsEntry("status", "QUEUED").containsEntry("attempt", 0).containsEntry("target_device", f.target);
                        assertThat(((Number) row.get("priority")).intValue()).isZero();
                    });

            // a resend of the same submit (same frame id) finds the command it made
            f.submit("submit-low", "lint", "low");
            // answered to the connection that resent it, not put in the inbox again
            Delivery resent = f.deliveries.await("the answer to the resent submit-low",
                    f.statusToSender(null, "QUEUED").and(d -> "submit-low".equals(d.frame().corr())));
            assertThat(payload(resent.frame(), CommandStatus.class).commandId()).isEqualTo(low);
            assertThat(f.statuses.all(f.statusToSender(null, "QUEUED").and(d -> "submit-low".equals(d.frame().corr()))))
                    .as("one QUEUED in the inbox").hasSize(1);
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ? and submit_id = ?",
                    f.user, "submit-low")).isEqualTo(1);
            assertThat(f.deliveries.all(frameFor(f.user, f.target, FrameType.COMMAND)))
                    .as("nothing is sent to an offline device").isEmpty();

            f.targetOnline();
            List<Delivery> commands = f.deliveries.awaitCount("both commands on D", frameFor(f.user, f.target, FrameType.COMMAND), 2);
            assertThat(commands).hasSize(2);
            List<CommandDelivery> bodies = commands.stream().map(d -> payload(d.frame(), CommandDelivery.class)).toList();
            assertThat(bodies).extracting(CommandDelivery::commandId).containsExactly(critical, low);
            assertThat(bodies).extracting(CommandDelivery::priority).containsExactly("critical", "low");
            assertThat(bodies).extracting(CommandDelivery::name).containsExactly("deploy", "lint");
            assertThat(bodies).extracting(CommandDelivery::attempt).containsOnly(1);
            assertThat(bodies.get(0).args().get("n").asText()).isEqualTo("deploy");
            assertThat(commands).allSatisfy(d -> {
                assertThat(d.frame().from()).isEqualTo(f.sender);
                assertThat(d.connectionId()).isNull();
            });
            f.statuses.await("DISPATCHED of the critical command", f.statusToSender(critical, "DISPATCHED"));

            f.ack(critical);
            Delivery delivered = f.statuses.await("DELIVERED for the sender", f.statusToSender(critical, "DELIVERED"));
            assertThat(payload(delivered.frame(), CommandStatus.class).target()).isEqualTo(f.target);

            List<Keyed> events = versions(f.commandEvents, "QUEUED, DISPATCHED, DELIVERED events", eventsOf(critical), 3);
            assertThat(events).extracting(e -> commandEvent(e).status()).containsExactly("QUEUED", "DISPATCHED", "DELIVERED");
            assertThat(events).extracting(e -> commandEvent(e).version()).containsExactly(1L, 2L, 3L);
            CommandEvent last = commandEvent(events.get(2));
            assertThat(last.userId()).isEqualTo(f.user);
            assertThat(last.sender()).isEqualTo(f.sender);
            assertThat(last.target()).isEqualTo(f.target);
            assertThat(last.priority()).isEqualTo("critical");
            assertThat(last.attempt()).isEqualTo(1);
            assertThat(f.statuses.all(f.statusToSender(low, "DELIVERED"))).as("only the acknowledged command").isEmpty();
            // the resent submit announced nothing new: the low command has exactly its two transitions
            List<Keyed> lowEvents = versions(f.commandEvents, "QUEUED, DISPATCHED events of the low command", eventsOf(low), 2);
            assertThat(lowEvents).extracting(e -> commandEvent(e).status()).containsExactly("QUEUED", "DISPATCHED");
            assertThat(lowEvents).extracting(e -> commandEvent(e).version()).containsExactly(1L, 2L);

            f.awaitOutboxDrained();
        }
    }

    /**
     * The first {@code count} versions of a command's events. Events are published at least once (an
     * entry published at once can be published again by the outbox sweep when the first try was slower
     * than the grace, as on a cold start); consumers keep the first of each version
     * (docs/asyncapi.yaml), and so does this test.
     */
    private static List<Keyed> versions(io.rccs.testsupport.KafkaTestKit.Tail<Keyed> tail, String what,
            java.util.function.Predicate<Keyed> which, int count) {
        for (int records = count;; records++) {
            java.util.Map<Long, Keyed> first = new java.util.LinkedHashMap<>();
            for (Keyed event : tail.awaitCount(what, which, records)) {
                Keyed earlier = first.putIfAbsent(commandEvent(event).version(), event);
                // a republished copy is the same outbox entry: a different event with a version already
                // seen would be a second announcement of that transition
                assertThat(earlier == null || commandEvent(earlier).equals(commandEvent(event)))
                        .as("every copy of version %d of %s is the same event", commandEvent(event).version(), what).isTrue();
            }
            if (first.size() >= count) {
                return List.copyOf(first.values());
            }
        }
    }
}
