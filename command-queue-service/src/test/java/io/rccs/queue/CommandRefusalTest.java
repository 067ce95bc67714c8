package io.rccs.queue;

import static io.rccs.queue.CommandFixture.commandEvent;
import static io.rccs.queue.CommandFixture.eventsOf;
import static io.rccs.queue.KafkaTestSupport.GATEWAY;
import static io.rccs.queue.KafkaTestSupport.clientFrame;
import static io.rccs.queue.KafkaTestSupport.deviceEvent;
import static io.rccs.queue.KafkaTestSupport.frameFor;
import static io.rccs.queue.KafkaTestSupport.payload;
import static io.rccs.queue.KafkaTestSupport.sendDeviceEvent;
import static io.rccs.queue.KafkaTestSupport.sendFrame;
import static io.rccs.queue.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.rccs.testsupport.StoreTestSupport;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandCancel;
import io.rccs.model.protocol.payload.CommandDelivery;
import io.rccs.model.protocol.payload.CommandResult;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.ErrorPayload;

/** Submits, results and cancels the queue refuses or finishes, each answered on the right connection. */
@QuarkusTest
class CommandRefusalTest {

    @Inject
    RedisDataSource redis;

    @Test
    void aSubmitToADeviceTheUserDoesNotHaveIsNotFound() {
        try (CommandFixture f = new CommandFixture(redis)) {
            f.submit("submit-nowhere", "lint", "normal"); // D was never announced on rccs.device.events

            assertError(f, "submit-nowhere", ErrorCode.NOT_FOUND);
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ?", f.user))
                    .as("a refused submit stores nothing").isZero();
            assertThat(f.statuses.all(f.statusToSender(null, "QUEUED"))).isEmpty();
        }
    }

    @Test
    void aFailedResultIsReportedAndCancellingTheFinishedCommandIsAConflict() {
        try (CommandFixture f = new CommandFixture(redis)) {
            StoreTestSupport.online(redis, f.user, f.target, f.targetConn, GATEWAY);
            sendDeviceEvent(EventTypes.DEVICE_REGISTERED, deviceEvent(f.user, f.target, true, f.targetConn));
            f.awaitKnown(f.target);

            String commandId = f.submitQueued("submit-build", "build", "high");
            Delivery command = f.deliveries.await("command on the online D", frameFor(f.user, f.target, FrameType.COMMAND));
            assertThat(payload(command.frame(), CommandDelivery.class).commandId()).isEqualTo(commandId);
            f.ack(commandId);
            f.statuses.await("DELIVERED", f.statusToSender(commandId, "DELIVERED"));

            sendFrame(f.user, f.target, f.targetConn, clientFrame(unique("result"), FrameType.COMMAND_RESULT, null,
                    new CommandResult(commandId, false, KafkaTestSupport.payloadOf(java.util.Map.of("exit", 2)), "compiler exploded")));
            Delivery failed = f.statuses.await("FAILED for the sender", f.statusToSender(commandId, "FAILED"));
            CommandStatus status = payload(failed.frame(), CommandStatus.class);
            assertThat(status.error()).isEqualTo("compiler exploded");
            assertThat(status.output().get("exit").asInt()).isEqualTo(2);
            assertThat(f.commandEvents.awaitCount("the command's events up to FAILED", eventsOf(commandId), 4))
                    .extracting(e -> commandEvent(e).status()).containsExactly("QUEUED", "DISPATCHED", "DELIVERED", "FAILED");

            sendFrame(f.user, f.sender, f.senderConn, clientFrame("cancel-late", FrameType.COMMAND_CANCEL, null,
                    new CommandCancel(commandId)));
            assertError(f, "cancel-late", ErrorCode.CONFLICT);
            assertThat(StoreTestSupport.rows("select status from queue.command where command_id = ?::uuid", commandId))
                    .singleElement().satisfies(row -> assertThat(row).containsEntry("status", "FAILED"));

            f.awaitOutboxDrained();
        }
    }

    @Test
    void aQueuedCommandCanBeCancelled() {
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetKnownOffline();
            String commandId = f.submitQueued("submit-cancel-me", "lint", "normal");

            sendFrame(f.user, f.sender, f.senderConn, clientFrame("cancel-early", FrameType.COMMAND_CANCEL, null,
                    new CommandCancel(commandId)));
            Delivery cancelled = f.statuses.await("CANCELLED for the sender", f.statusToSender(commandId, "CANCELLED"));
            assertThat(cancelled.frame().corr()).isEqualTo("cancel-early");

            // coming online later, D gets nothing for it
            f.targetOnline();
            f.deliveries.assertNone("a cancelled command sent to D", frameFor(f.user, f.target, FrameType.COMMAND),
                    KafkaTestSupport.QUIET);
            f.awaitOutboxDrained();
        }
    }

    private static void assertError(CommandFixture f, String corr, ErrorCode code) {
        Delivery error = f.deliveries.await(code.wire() + " answering " + corr,
                frameFor(f.user, f.sender, FrameType.ERROR).and(d -> corr.equals(d.frame().corr())));
        assertThat(error.connectionId()).as("answers go to the asking connection").isEqualTo(f.senderConn);
        assertThat(payload(error.frame(), ErrorPayload.class).code()).isEqualTo(code.wire());
    }
}
