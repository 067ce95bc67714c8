package io.rccs.queue.backend;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.quarkus.runtime.Startup;
import io.rccs.common.Channels;
import io.rccs.common.consumption.EventConsumption;
import io.rccs.common.consumption.PermanentFailure;
import io.rccs.model.events.CommandSubmitRequest;
import io.rccs.model.events.EventTypes;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.Payload;
import io.rccs.queue.command.CommandStore;
import io.rccs.queue.command.CommandStore.Submission;
import io.smallrye.mutiny.Uni;

/**
 * Consumes rccs.commands.submit (group command-queue-submit): commands backends submit in a user's
 * name, with the semantics of {@code command.submit}. The sender is recorded as
 * {@code @kafka:<source>} and (source, idempotency key) is the idempotency key, so a replayed record
 * makes no second command. There is no one to answer: the status is on rccs.command.events, and a
 * request that can never be stored (invalid, or refused: no such device, not trusted, no capable
 * device) goes to rccs.dead-letters with the reason.
 */
@ApplicationScoped
@Startup // created at start, so that its dead-letter counters exist before the first record
public class SubmitConsumer {

    /** The consumer's name in dead letters and metrics: its group. */
    public static final String CONSUMER = "command-queue-submit";
    /** A backend's name: what a device id may hold. */
    private static final String SOURCE = "[A-Za-z0-9._-]{1,48}";

    private final CommandStore store;
    private final EventConsumption consumption;

    public SubmitConsumer(CommandStore store, EventConsumption consumption) {
        this.store = store;
        this.consumption = consumption;
        consumption.expect(CONSUMER);
    }

    @Incoming(Channels.COMMANDS_SUBMIT)
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        return consumption.consume(CONSUMER, records, event -> EventTypes.COMMAND_SUBMIT.equals(event.type())
                ? submit(event.data(CommandSubmitRequest.class))
                : Uni.createFrom().failure(new PermanentFailure("not a command submit: " + event.type())));
    }

    private Uni<Void> submit(CommandSubmitRequest request) {
        try {
            Payload.requireText(request.userId(), "userId", 255);
            Payload.require(request.source() != null && request.source().matches(SOURCE), "source must match " + SOURCE);
            Payload.requireText(request.idempotencyKey(), "idempotencyKey", 64);
            Payload.optionalText(request.to(), "to", 64);
            Payload.require(request.to() == null || request.to().matches("[A-Za-z0-9._:-]+"), "to must be a device id");
            Payload.require(request.command() != null, "command is required");
            request.command().validate();
        } catch (ProtocolException e) {
            return Uni.createFrom().failure(new PermanentFailure(e.getMessage()));
        }
        return store.submit(new Submission(request.userId(), "@kafka:" + request.source(), request.idempotencyKey(), request.to(),
                request.command())).chain(refused -> refused.isPresent() && refused.get().is(io.rccs.model.protocol.FrameType.ERROR)
                        ? Uni.createFrom().failure(new PermanentFailure("refused: " + refused.get().payload()))
                        : Uni.createFrom().voidItem());
    }
}
