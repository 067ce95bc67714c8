package io.rccs.queue.command;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.CommandEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandDelivery;
import io.rccs.model.protocol.payload.CommandResult;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.queue.directory.KnownDevice;
import io.rccs.queue.directory.KnownDeviceRepository;
import io.rccs.queue.outbox.OutboxEntry;
import io.smallrye.mutiny.Uni;

/**
 * Every command state change, each in one transaction together with the outbox entries that
 * announce it (the status frame to the sender, the frame to the device, the Kafka event).
 * A method returns an error frame for the client when the request is refused, else empty.
 */
@ApplicationScoped
public class CommandStore {

    private final CommandRepository commands;
    private final KnownDeviceRepository devices;
    private final MeterRegistry metrics;

    public CommandStore(CommandRepository commands, KnownDeviceRepository devices, MeterRegistry metrics) {
        this.commands = commands;
        this.devices = devices;
        this.metrics = metrics;
    }

    /** Stores a submitted command (once per submit frame id) as QUEUED. */
    @WithTransaction
    public Uni<Optional<Frame>> submit(InboundFrame in, CommandSubmit submit) {
        String corr = in.frame().id();
        return commands.findBySubmit(in.userId(), in.deviceId(), corr).chain(existing -> {
            if (existing != null) { // a resend: answer with the command it already made
                return outbox(statusFrame(existing, corr)).replaceWith(Optional.<Frame>empty());
            }
            return devices.listByUser(in.userId()).chain(known -> {
                String to = in.frame().to();
                Optional<Frame> refused = refusal(known, to, submit, corr);
                if (refused.isPresent()) {
                    return Uni.createFrom().item(refused);
                }
                Command command = newCommand(in, submit);
                return commands.persist(command)
                        .call(saved -> announce(saved, corr))
                        .replaceWith(Optional.<Frame>empty());
            });
        });
    }

    private static Optional<Frame> refusal(List<KnownDevice> known, String to, CommandSubmit submit, String corr) {
        if (to == null) {
            return known.stream().anyMatch(device -> device.canRun(submit.requires())) ? Optional.empty()
                    : Optional.of(ServerFrames.error(corr, ErrorCode.NO_CAPABLE_DEVICE,
                            "none of your trusted devices has " + submit.requires()));
        }
        KnownDevice target = known.stream().filter(device -> device.deviceId.equals(to)).findFirst().orElse(null);
        if (target == null) {
            return Optional.of(ServerFrames.error(corr, ErrorCode.NOT_FOUND, "you have no device '" + to + "'"));
        }
        if (!target.trusted) {
            return Optional.of(ServerFrames.error(corr, ErrorCode.NOT_TRUSTED, "device '" + to + "' is not trusted"));
        }
        if (!target.canRun(submit.requires())) {
            return Optional.of(ServerFrames.error(corr, ErrorCode.NO_CAPABLE_DEVICE, "device '" + to + "' lacks " + submit.requires()));
        }
        return Optional.empty();
    }

    private static Command newCommand(InboundFrame in, CommandSubmit submit) {
        Instant now = Instant.now();
        Command command = new Command();
        command.commandId = UUID.randomUUID();
        command.userId = in.userId();
        command.senderDevice = in.deviceId();
        command.submitId = in.frame().id();
        command.targetDevice = in.frame().to();
        command.name = submit.name();
        command.args = submit.args() == null ? null : submit.args().toString();
        command.priority = Priority.rank(submit.priority());
        command.requires = submit.requires().toArray(String[]::new);
        command.status = CommandStatus.QUEUED;
        command.maxAttempts = submit.maxAttempts();
        command.notBefore = submit.notBefore() == null ? null : Instant.ofEpochMilli(submit.notBefore());
        command.expiresAt = now.plusSeconds(submit.ttlSec());
        command.version = 1;
        command.createdAt = now;
        command.updatedAt = now;
        return command;
    }

    /**
     * Sends the device its open commands, in priority order. With {@code redeliver}, commands
     * dispatched earlier but never acknowledged go again (the device reconnected, so it may have
     * lost them); a submit to an online device dispatches only what is still QUEUED.
     */
    @WithTransaction
    public Uni<Integer> dispatchOpen(String userId, String deviceId, boolean redeliver) {
        return devices.findById(Topics.deviceKey(userId, deviceId)).chain(device -> commands.lockOpen(userId)
                .chain(open -> {
                    Instant now = Instant.now();
                    Uni<Void> work = Uni.createFrom().voidItem();
                    int dispatched = 0;
                    for (Command command : open) {
                        if (!command.expiresAt.isAfter(now)) {
                            command.moveTo(CommandStatus.EXPIRED);
                            work = work.call(() -> announce(command, null));
                            continue;
                        }
                        boolean forThisDevice = deviceId.equals(command.targetDevice)
                                || (command.targetDevice == null && device != null && device.canRun(command.requiredCapabilities()));
                        if (!forThisDevice || !command.dueAt(now) || (command.status == CommandStatus.DISPATCHED && !redeliver)) {
                            continue;
                        }
                        if (command.attempt >= command.maxAttempts) {
                            command.moveTo(CommandStatus.DEAD);
                            command.lastError = "no acknowledgement after " + command.attempt + " attempts";
                            work = work.call(() -> announce(command, null));
                            continue;
                        }
                        command.targetDevice = deviceId;
                        command.attempt++;
                        command.moveTo(CommandStatus.DISPATCHED);
                        dispatched++;
                        work = work.call(() -> outbox(OutboxEntry.of(OutboxEntry.DEVICE_FRAME, userId, deviceId,
                                FrameCodec.encode(commandFrame(command))))).call(() -> announce(command, null));
                    }
                    int count = dispatched;
                    return work.replaceWith(count);
                }));
    }

    /** {@code command.ack} from the target device: DISPATCHED -> DELIVERED. */
    @WithTransaction
    public Uni<Optional<Frame>> acknowledge(InboundFrame in, String commandId) {
        return targetOwned(in, commandId).chain(found -> {
            if (found.error() != null) {
                return Uni.createFrom().item(Optional.of(found.error()));
            }
            Command command = found.command();
            if (!command.status.open()) {
                return Uni.createFrom().item(Optional.<Frame>empty()); // a repeated ack changes nothing
            }
            command.moveTo(CommandStatus.DELIVERED);
            return announce(command, null).replaceWith(Optional.<Frame>empty());
        });
    }

    /** {@code command.result} from the target device: -> SUCCEEDED or FAILED. */
    @WithTransaction
    public Uni<Optional<Frame>> complete(InboundFrame in, CommandResult result) {
        return targetOwned(in, result.commandId()).chain(found -> {
            if (found.error() != null) {
                return Uni.createFrom().item(Optional.of(found.error()));
            }
            Command command = found.command();
            if (command.status.terminal()) {
                return Uni.createFrom().item(Optional.<Frame>empty());
            }
            command.result = result.output() == null ? null : result.output().toString();
            command.lastError = result.error();
            command.moveTo(result.ok() ? CommandStatus.SUCCEEDED : CommandStatus.FAILED);
            return announce(command, null).replaceWith(Optional.<Frame>empty());
        });
    }

    /** {@code command.cancel} from any device of the user: a command that has not finished is CANCELLED. */
    @WithTransaction
    public Uni<Optional<Frame>> cancel(InboundFrame in, String commandId) {
        String corr = in.frame().id();
        return owned(in.userId(), commandId).chain(command -> {
            if (command == null) {
                return Uni.createFrom().item(Optional.of(ServerFrames.error(corr, ErrorCode.NOT_FOUND, "no command " + commandId)));
            }
            if (command.status.terminal()) {
                return Uni.createFrom().item(Optional.of(ServerFrames.error(corr, ErrorCode.CONFLICT,
                        "command " + commandId + " is already " + command.status)));
            }
            command.moveTo(CommandStatus.CANCELLED);
            return announce(command, corr).replaceWith(Optional.<Frame>empty());
        });
    }

    private record Found(Command command, Frame error) {
    }

    private Uni<Found> targetOwned(InboundFrame in, String commandId) {
        String corr = in.frame().id();
        return owned(in.userId(), commandId).map(command -> {
            if (command == null) {
                return new Found(null, ServerFrames.error(corr, ErrorCode.NOT_FOUND, "no command " + commandId));
            }
            if (!in.deviceId().equals(command.targetDevice)) {
                return new Found(null, ServerFrames.error(corr, ErrorCode.FORBIDDEN, "command " + commandId + " is not for this device"));
            }
            return new Found(command, null);
        });
    }

    private Uni<Command> owned(String userId, String commandId) {
        UUID id;
        try {
            id = UUID.fromString(commandId);
        } catch (IllegalArgumentException notAnId) {
            return Uni.createFrom().nullItem();
        }
        return commands.findOwned(userId, id);
    }

    /** The status frame for the sender and the Kafka event, for the command's current state. */
    private Uni<Void> announce(Command command, String corr) {
        metrics.counter("rccs_commands_total", "status", command.status.name()).increment();
        CommandEvent data = new CommandEvent(command.commandId.toString(), command.userId, command.senderDevice,
                command.targetDevice, command.name, Priority.name(command.priority), command.status.name(), command.attempt,
                command.version, command.lastError);
        String key = command.commandId.toString();
        CloudEvent event = CloudEvent.of(EventTypes.COMMAND_STATUS, "/command-queue-service", key, data);
        return outbox(statusFrame(command, corr))
                .call(() -> outbox(OutboxEntry.of(OutboxEntry.COMMAND_EVENT, command.userId, key, event.toJson())))
                .replaceWithVoid();
    }

    /** The command's current status, for the device that submitted it. */
    private static OutboxEntry statusFrame(Command command, String corr) {
        var status = new io.rccs.model.protocol.payload.CommandStatus(command.commandId.toString(), command.status.name(),
                command.targetDevice, command.attempt, parse(command.result), command.lastError);
        return OutboxEntry.of(OutboxEntry.DEVICE_FRAME, command.userId, command.senderDevice,
                FrameCodec.encode(ServerFrames.of(FrameType.COMMAND_STATUS, corr, status)));
    }

    private static Frame commandFrame(Command command) {
        CommandDelivery delivery = new CommandDelivery(command.commandId.toString(), command.name, parse(command.args),
                Priority.name(command.priority), command.attempt);
        return Frame.server(command.commandId + "-" + command.attempt, FrameType.COMMAND, null, FrameCodec.toPayload(delivery))
                .withFrom(command.senderDevice);
    }

    private static JsonNode parse(String json) {
        try {
            return json == null ? null : FrameCodec.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is always valid", e);
        }
    }

    private Uni<OutboxEntry> outbox(OutboxEntry entry) {
        return entry.persist();
    }
}
