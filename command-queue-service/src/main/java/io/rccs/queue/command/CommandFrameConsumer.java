package io.rccs.queue.command;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.quarkus.runtime.Startup;
import io.rccs.common.Channels;
import io.rccs.common.DeliverySender;
import io.rccs.common.ServerFrames;
import io.rccs.common.consumption.EventConsumption;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.CommandAck;
import io.rccs.model.protocol.payload.CommandCancel;
import io.rccs.model.protocol.payload.CommandResult;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.model.protocol.payload.CommandsPage;
import io.rccs.model.protocol.payload.CommandsQuery;
import io.rccs.model.protocol.payload.DeadLetterAdmin;
import io.rccs.queue.command.CommandStore.Submission;
import io.smallrye.mutiny.Uni;

/**
 * Consumes rccs.commands.in (group command-queue): the command frames of devices and the REST
 * requests the gateway turns into frames ({@code deviceId} null). The offset is committed only once
 * the frame's transaction has committed, so a submit is never lost; the submit frame's id makes a
 * replayed record (or a client's resend) find the same command. One user's frames in order, users in
 * parallel.
 */
@ApplicationScoped
@Startup // created at start, so that its dead-letter counters exist before the first record
public class CommandFrameConsumer {

    /** The consumer's name in dead letters and metrics: its group. */
    public static final String CONSUMER = "command-queue";
    /** The role that may work the dead letters (REST only). */
    public static final String ADMIN_ROLE = "rccs-admin";
    /** The sender recorded for a command submitted over REST. */
    public static final String REST_SENDER = "@rest";

    private final CommandStore store;
    private final DeliverySender deliveries;
    private final EventConsumption consumption;

    public CommandFrameConsumer(CommandStore store, DeliverySender deliveries, EventConsumption consumption) {
        this.store = store;
        this.deliveries = deliveries;
        this.consumption = consumption;
        consumption.expect(CONSUMER);
    }

    @Incoming(Channels.COMMANDS_IN)
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        return consumption.consume(CONSUMER, records, event -> EventTypes.FRAME_RECEIVED.equals(event.type())
                ? frame(event.data(InboundFrame.class))
                : Uni.createFrom().voidItem());
    }

    private Uni<Void> frame(InboundFrame in) {
        Frame frame = in.frame();
        String user = in.userId();
        String device = in.deviceId();
        try {
            return switch (frame.frameType()) {
                case COMMAND_SUBMIT -> answer(in, store.submit(new Submission(user, device == null ? REST_SENDER : device,
                        frame.id(), frame.to(), FrameCodec.validPayload(frame, CommandSubmit.class))));
                case COMMAND_ACK -> device == null ? notForRest(in)
                        : answer(in, store.acknowledge(user, device, frame.id(), FrameCodec.validPayload(frame, CommandAck.class).commandId()));
                case COMMAND_RESULT -> device == null ? notForRest(in)
                        : answer(in, store.complete(user, device, frame.id(), FrameCodec.validPayload(frame, CommandResult.class)));
                case COMMAND_CANCEL -> answer(in, store.cancel(user, device, frame.id(),
                        FrameCodec.validPayload(frame, CommandCancel.class).commandId()));
                case COMMANDS_QUERY -> query(in, FrameCodec.validPayload(frame, CommandsQuery.class));
                case DEAD_LETTERS_ADMIN -> deadLetters(in, FrameCodec.validPayload(frame, DeadLetterAdmin.class));
                default -> Uni.createFrom().voidItem();
            };
        } catch (ProtocolException e) {
            return deliveries.replyError(in, e.code(), e.getMessage());
        }
    }

    private Uni<Void> notForRest(InboundFrame in) {
        return deliveries.replyError(in, ErrorCode.BAD_FRAME, in.frame().type() + " comes from the device that runs the command");
    }

    /** Sends the answer, if any, to the asking connection (a refusal; a REST caller's status). */
    private Uni<Void> answer(InboundFrame in, Uni<Optional<Frame>> change) {
        return change.chain(answer -> answer.isPresent() ? deliveries.reply(in, answer.get()) : Uni.createFrom().voidItem());
    }

    private Uni<Void> query(InboundFrame in, CommandsQuery query) {
        return store.ofUser(in.userId(), query.commandId(), query.status(), query.device(), query.after(), query.limit() + 1)
                .chain(found -> reply(in, page(found, query.limit(), false)))
                .onFailure(IllegalArgumentException.class).recoverWithUni(bad -> deliveries.replyError(in, ErrorCode.BAD_FRAME, bad.getMessage()));
    }

    /** Operators only (role rccs-admin, from the token, over REST): the gateway refuses the frame on a socket. */
    private Uni<Void> deadLetters(InboundFrame in, DeadLetterAdmin request) {
        List<String> roles = in.roles() == null ? List.of() : in.roles();
        if (in.deviceId() != null || !roles.contains(ADMIN_ROLE)) {
            return deliveries.replyError(in, ErrorCode.FORBIDDEN, "dead letters are for operators (role " + ADMIN_ROLE + ")");
        }
        int limit = request.limit();
        Uni<List<Command>> work = switch (request.action()) {
            case "get" -> store.deadLetter(request.commandId()).map(c -> c == null ? List.<Command>of() : List.of(c));
            case "list" -> store.deadLetters(request.userId(), request.device(), request.reason(), request.olderThanSec(),
                    request.after(), limit + 1);
            case "requeue" -> store.requeue(request.commandId(), request.userId(), request.device(), request.reason(),
                    request.olderThanSec(), limit);
            default -> store.purge(request.commandId(), request.userId(), request.device(), request.reason(),
                    request.olderThanSec(), limit);
        };
        boolean one = request.commandId() != null;
        return work.chain(found -> {
            if (one && found.isEmpty()) {
                return deliveries.replyError(in, ErrorCode.NOT_FOUND, "no dead letter " + request.commandId());
            }
            boolean bulk = request.bulk();
            // a full bulk page: there may be more; a list page asked for one more than it shows
            CommandsPage page = bulk ? new CommandsPage(found.stream().map(Announcer::view).toList(),
                    found.size() == limit ? "more" : null) : page(found, limit, true);
            return reply(in, page);
        }).onFailure(IllegalArgumentException.class).recoverWithUni(bad -> deliveries.replyError(in, ErrorCode.BAD_FRAME, bad.getMessage()));
    }

    /** A page of at most {@code limit}: {@code found} has one more when there is a next page. */
    private static CommandsPage page(List<Command> found, int limit, boolean byDeath) {
        if (found.size() <= limit) {
            return new CommandsPage(found.stream().map(Announcer::view).toList(), null);
        }
        List<Command> shown = found.subList(0, limit);
        Command last = shown.get(limit - 1);
        String next = new CommandSql.Cursor(byDeath ? last.deadAt : last.createdAt, last.commandId).text();
        return new CommandsPage(shown.stream().map(Announcer::view).toList(), next);
    }

    private Uni<Void> reply(InboundFrame in, CommandsPage page) {
        return deliveries.reply(in, ServerFrames.of(FrameType.COMMANDS, in.frame().id(), page));
    }
}
