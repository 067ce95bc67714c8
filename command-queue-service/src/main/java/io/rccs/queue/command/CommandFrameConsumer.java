package io.rccs.queue.command;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.rccs.common.Channels;
import io.rccs.common.DeliverySender;
import io.rccs.common.PresenceReader;
import io.rccs.common.ServerFrames;
import io.rccs.common.consumption.EventConsumption;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.Capabilities;
import io.rccs.model.protocol.payload.CommandAck;
import io.rccs.model.protocol.payload.CommandCancel;
import io.rccs.model.protocol.payload.CommandResult;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.queue.outbox.OutboxPublisher;
import io.smallrye.mutiny.Uni;

/**
 * Consumes rccs.commands.in (group command-queue) for the command frames. The offset is committed
 * only once the command's transaction has committed, so a submit is never lost; the submit frame's
 * id makes a replayed record (or a client's resend) find the same command.
 */
@ApplicationScoped
public class CommandFrameConsumer {

    /** The consumer's name in dead letters and metrics: its group. */
    public static final String CONSUMER = "command-queue";

    private final CommandStore store;
    private final OutboxPublisher outbox;
    private final PresenceReader presence;
    private final DeliverySender deliveries;
    private final EventConsumption consumption;

    public CommandFrameConsumer(CommandStore store, OutboxPublisher outbox, PresenceReader presence,
            DeliverySender deliveries, EventConsumption consumption) {
        this.store = store;
        this.outbox = outbox;
        this.presence = presence;
        this.deliveries = deliveries;
        this.consumption = consumption;
    }

    @Incoming(Channels.COMMANDS_IN)
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        // frames of one user in order, users in parallel; a batch's offsets commit once all of it is done
        return consumption.consume(CONSUMER, records, event -> EventTypes.FRAME_RECEIVED.equals(event.type())
                ? frame(event.data(InboundFrame.class))
                : Uni.createFrom().voidItem());
    }

    private Uni<Void> frame(InboundFrame in) {
        try {
            return switch (in.frame().frameType()) {
                case COMMAND_SUBMIT -> submit(in, validRequires(FrameCodec.validPayload(in.frame(), CommandSubmit.class)));
                case COMMAND_ACK -> answer(in, store.acknowledge(in, FrameCodec.validPayload(in.frame(), CommandAck.class).commandId()));
                case COMMAND_RESULT -> answer(in, store.complete(in, FrameCodec.validPayload(in.frame(), CommandResult.class)));
                case COMMAND_CANCEL -> answer(in, store.cancel(in, FrameCodec.validPayload(in.frame(), CommandCancel.class).commandId()));
                default -> Uni.createFrom().voidItem();
            };
        } catch (ProtocolException e) {
            return deliveries.replyError(in, e.code(), e.getMessage());
        }
    }

    /**
     * Every {@code requires} entry must be a capability as {@link Capabilities#valid} has it
     * ({@code name} or {@code name@major}). CommandSubmit.validate (shared-model) checks only that
     * each is a short text; until it checks this too, the queue does.
     */
    static CommandSubmit validRequires(CommandSubmit submit) throws ProtocolException {
        for (int i = 0; i < submit.requires().size(); i++) {
            if (!Capabilities.valid(submit.requires().get(i))) {
                throw new ProtocolException(ErrorCode.BAD_FRAME, "payload.requires[" + i
                        + "] must be a capability: name or name@major (letters, digits, . _ / -; major without leading zeros)");
            }
        }
        return submit;
    }

    private Uni<Void> submit(InboundFrame in, CommandSubmit submit) {
        return answer(in, store.submit(in, submit)).chain(() -> {
            String target = in.frame().to();
            if (target == null) {
                return Uni.createFrom().voidItem(); // chosen when a capable device comes online (rccs.device.events)
            }
            return presence.find(in.userId(), target).chain(online -> online.isEmpty()
                    ? Uni.createFrom().voidItem()
                    : store.dispatchOpen(in.userId(), target, false).chain(outbox::flush));
        });
    }

    /** Sends the refusal, if any, to the asking connection; otherwise publishes what the change announced. */
    private Uni<Void> answer(InboundFrame in, Uni<Optional<Frame>> change) {
        return change.chain(refused -> refused.isPresent() ? deliveries.reply(in, refused.get()) : outbox.flush());
    }
}
