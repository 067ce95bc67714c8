package io.rccs.queue;

import static io.rccs.queue.KafkaTestSupport.frameFor;
import static org.assertj.core.api.Assertions.fail;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.rccs.testsupport.StoreTestSupport;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.protocol.FrameType;

/**
 * The transactional outbox only buffers: after a flow (and after every flow the other test classes
 * of this JVM ran before) every entry has been published and deleted.
 */
@QuarkusTest
class OutboxDrainTest {

    @Inject
    RedisDataSource redis;

    @Test
    void theOutboxIsEmptyOnceEverythingIsPublished() {
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetKnownOffline();
            String commandId = f.submitQueued("submit-drain", "lint", "normal");
            f.targetOnline();
            f.deliveries.await("command on D", frameFor(f.user, f.target, FrameType.COMMAND));
            f.ack(commandId);
            f.statuses.await("DELIVERED", f.statusToSender(commandId, "DELIVERED"));
            f.commandEvents.awaitCount("QUEUED, DISPATCHED, DELIVERED events", CommandFixture.eventsOf(commandId), 3);

            long deadline = System.nanoTime() + KafkaTestSupport.TIMEOUT.toNanos();
            long left;
            while ((left = StoreTestSupport.count("select count(*) from queue.outbox")) != 0) {
                if (System.nanoTime() > deadline) {
                    fail("queue.outbox still holds %d entries: %s", left,
                            StoreTestSupport.rows("select id, kind, user_id, target, created_at from queue.outbox order by id limit 10"));
                }
                KafkaTestSupport.sleep(100);
            }
        }
    }
}
