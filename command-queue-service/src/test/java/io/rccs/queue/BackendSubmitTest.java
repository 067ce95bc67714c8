package io.rccs.queue;

import static io.rccs.queue.CommandFixture.commandEvent;
import static io.rccs.queue.CommandFixture.eventsOf;
import static io.rccs.queue.CommandFixture.row;
import static io.rccs.queue.CommandSchedulingTest.commandFrame;
import static io.rccs.queue.KafkaTestSupport.frameFor;
import static io.rccs.queue.KafkaTestSupport.payload;
import static io.rccs.queue.KafkaTestSupport.submitDeadLetter;
import static io.rccs.queue.KafkaTestSupport.submitFromBackend;
import static io.rccs.queue.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.CommandEvent;
import io.rccs.model.events.CommandSubmitRequest;
import io.rccs.model.events.DeadLetter;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandDelivery;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.testsupport.KafkaTestKit.Keyed;
import io.rccs.testsupport.KafkaTestKit.Tail;
import io.rccs.testsupport.StoreTestSupport;

/**
 * Backends submit on rccs.commands.submit (io.rccs.command.submit.v1): stored with sender
 * {@code @kafka:<source>}, idempotent per (source, idempotencyKey), dispatched like any command; what
 * can never be stored goes to rccs.dead-letters and the consumer goes on.
 */
@QuarkusTest
class BackendSubmitTest {

    @Inject
    RedisDataSource redis;

    @Test
    void aBackendsCommandIsStoredOnceDispatchedAndAnInvalidOneDeadLettered() {
        KafkaTestSupport.awaitSubmitConsumerReady();
        try (CommandFixture f = new CommandFixture(redis); Tail<Keyed> deadLetters = KafkaTestSupport.events(Topics.DEAD_LETTERS)) {
            f.targetOnlineKnown();
            String key = unique("idem");
            CommandSubmitRequest request = new CommandSubmitRequest(f.user, "billing", key, f.target,
                    new CommandSubmit("sync", KafkaTestSupport.payloadOf(Map.of("invoice", 7)), "high", null, null, null, null));
            submitFromBackend(request);

            Delivery sent = f.deliveries.await("the backend's command on D", frameFor(f.user, f.target, FrameType.COMMAND));
            CommandDelivery command = payload(sent.frame(), CommandDelivery.class);
            String id = command.commandId();
            assertThat(command.name()).isEqualTo("sync");
            assertThat(command.args().get("invoice").asInt()).isEqualTo(7);
            assertThat(command.priority()).isEqualTo("high");
            assertThat(sent.frame().from()).as("no device sent it").isNull();
            Map<String, Object> stored = row(id);
            assertThat(stored).containsEntry("sender_device", "@kafka:billing").containsEntry("submit_id", key)
                    .containsEntry("user_id", f.user).containsEntry("status", "DISPATCHED");
            f.ack(id);
            List<Keyed> events = f.commandEvents.awaitCount("QUEUED, DISPATCHED, DELIVERED", eventsOf(id), 3);
            assertThat(events).extracting(e -> commandEvent(e).status()).containsExactly("QUEUED", "DISPATCHED", "DELIVERED");
            assertThat(events).extracting(e -> commandEvent(e).version()).containsExactly(1L, 2L, 3L);
            CommandEvent event = commandEvent(events.get(0));
            assertThat(event.sender()).isEqualTo("@kafka:billing");
            assertThat(event.userId()).isEqualTo(f.user);
            assertThat(event.target()).isEqualTo(f.target);

            // the same request again (a replay), an invalid one, and the same key from another source; then a
            // marker: records of one user are handled in order, so once the marker is in, the others were handled
            submitFromBackend(request);
            submitFromBackend(new CommandSubmitRequest(f.user, "billing", unique("idem"), f.target,
                    new CommandSubmit("sync", null, "urgent", null, null, null, null)));
            submitFromBackend(new CommandSubmitRequest(f.user, "crm", key, f.target,
                    new CommandSubmit("sync", null, "low", null, null, null, null)));
            String markerKey = unique("marker");
            submitFromBackend(new CommandSubmitRequest(f.user, "billing", markerKey, f.target,
                    new CommandSubmit("marker", null, "normal", null, null, null, null)));
            f.deliveries.await("the marker on D", frameFor(f.user, f.target, FrameType.COMMAND)
                    .and(d -> "marker".equals(payload(d.frame(), CommandDelivery.class).name())));

            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ? and sender_device = ? and submit_id = ?",
                    f.user, "@kafka:billing", key)).as("one command per (source, key)").isEqualTo(1);
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ? and sender_device = ? and submit_id = ?",
                    f.user, "@kafka:crm", key)).as("another source's key is its own").isEqualTo(1);
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ?", f.user))
                    .as("billing's, crm's and the marker; not the invalid one").isEqualTo(3);
            assertThat(row(id)).containsEntry("status", "DELIVERED").containsEntry("version", 3L);
            assertThat(f.deliveries.all(commandFrame(f.user, id))).as("the replay sent nothing").hasSize(1);

            Keyed letter = deadLetters.await("the invalid request dead-lettered", submitDeadLetter(f.user));
            DeadLetter dead = letter.data(DeadLetter.class);
            assertThat(dead.topic()).isEqualTo(Topics.COMMANDS_SUBMIT);
            assertThat(dead.reason()).isEqualTo(DeadLetter.REJECTED);
            assertThat(dead.error()).contains("priority");
            assertThat(dead.value()).contains("urgent");
            assertThat(deadLetters.all(submitDeadLetter(f.user))).as("only the invalid one").hasSize(1);

            // backends have no inbox: nothing was put in one for them
            assertThat(f.statuses.all(d -> f.user.equals(d.userId()) && d.deviceId().startsWith("@"))).isEmpty();
            f.deliveries.all(frameFor(f.user, f.target, FrameType.COMMAND)).stream()
                    .map(d -> payload(d.frame(), CommandDelivery.class).commandId()).distinct().forEach(f::ack);
            f.commandEvents.awaitCount("three DELIVERED", e -> "DELIVERED".equals(commandEvent(e).status())
                    && f.user.equals(commandEvent(e).userId()), 3);
            f.awaitOutboxDrained();
        }
    }

    @Test
    void aRequestTheQueueRefusesIsDeadLettered() {
        KafkaTestSupport.awaitSubmitConsumerReady();
        try (CommandFixture f = new CommandFixture(redis); Tail<Keyed> deadLetters = KafkaTestSupport.events(Topics.DEAD_LETTERS)) {
            f.targetKnownOffline();
            // no capable device
            submitFromBackend(new CommandSubmitRequest(f.user, "billing", unique("idem"), f.target,
                    new CommandSubmit("sync", null, "normal", null, null, null, List.of("gpu@2"))));
            Keyed letter = deadLetters.await("the refused request", submitDeadLetter(f.user));
            assertThat(letter.data(DeadLetter.class).error()).contains("refused").contains("no_capable_device");
            // a source that is not a name
            submitFromBackend(new CommandSubmitRequest(f.user, "bad source!", unique("idem"), f.target,
                    new CommandSubmit("sync", null, "normal", null, null, null, null)));
            assertThat(deadLetters.awaitCount("the bad source", submitDeadLetter(f.user), 2).get(1).data(DeadLetter.class).error())
                    .contains("source");
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ?", f.user)).isZero();
        }
    }
}
