package io.rccs.queue.command;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

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
 * <p>
 * Frames from a device the directory knows as untrusted (pending, or revoked while its frames were
 * in flight) are refused with {@code not_trusted}; the gateway refuses a pending device's frames
 * already, this guards the revoke. A device the directory has not heard of yet is not refused: its
 * registration event may simply not have arrived (the two topics are read by different consumers),
 * and the gateway lets only a device whose hello the relay welcomed send commands at all.
 * <p>
 * Lock order, kept by every transaction so none deadlocks: device rows first (FOR SHARE to read
 * trust, FOR UPDATE to change it), then command rows, several of them always in delivery order.
 */
@ApplicationScoped
public class CommandStore {

    /** The reason a command ends CANCELLED when its target device is revoked. */
    public static final String REVOKED_REASON = "device revoked";

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
        return unlessUntrusted(in, () -> commands.findBySubmit(in.userId(), in.deviceId(), corr).chain(existing -> {
            if (existing != null) { // a resend: answer with the command it already made
                return outbox(statusFrame(existing, corr)).replaceWith(Optional.<Frame>empty());
            }
            String to = in.frame().to();
            // a target is share-locked: a revoke of it either waits for this command (and then ends
            // it) or is seen here (and the submit is refused)
            Uni<Optional<Frame>> refused = to == null
                    ? devices.listByUser(in.userId()).map(known -> anyCapable(known, submit, corr))
                    : devices.findShared(in.userId(), to).map(target -> refusal(target, to, submit, corr));
            return refused.chain(refusal -> {
                if (refusal.isPresent()) {
                    return Uni.createFrom().item(refusal);
                }
                Command command = newCommand(in, submit);
                return commands.persist(command)
                        .call(saved -> announce(saved, corr))
                        .replaceWith(Optional.<Frame>empty());
            });
        }));
    }

    private static Optional<Frame> anyCapable(List<KnownDevice> known, CommandSubmit submit, String corr) {
        return known.stream().anyMatch(device -> device.canRun(submit.requires())) ? Optional.empty()
                : Optional.of(ServerFrames.error(corr, ErrorCode.NO_CAPABLE_DEVICE,
                        "none of your trusted devices has " + submit.requires()));
    }

    private static Optional<Frame> refusal(KnownDevice target, String to, CommandSubmit submit, String corr) {
        if (target == null) {
            return Optional.of(ServerFrames.error(corr, ErrorCode.NOT_FOUND, "you have no device '" + to + "'"));
        }
        if (!target.trusted) {
            return Optional.of(ServerFrames.error(corr, ErrorCode.NOT_TRUSTED,
                    "device '" + to + (target.revoked() ? "' was revoked" : "' is not trusted")));
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
        return devices.findShared(userId, deviceId).chain(device -> commands.lockOpen(userId)
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
                        // an untrusted device (pending, revoked) gets nothing, not even what names it
                        boolean forThisDevice = device != null && device.trusted && (deviceId.equals(command.targetDevice)
                                || (command.targetDevice == null && device.canRun(command.requiredCapabilities())));
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
        return unlessUntrusted(in, () -> targetOwned(in, commandId).chain(found -> {
            if (found.error() != null) {
                return Uni.createFrom().item(Optional.of(found.error()));
            }
            Command command = found.command();
            if (!command.status.open()) {
                return Uni.createFrom().item(Optional.<Frame>empty()); // a repeated ack changes nothing
            }
            command.moveTo(CommandStatus.DELIVERED);
            return announce(command, null).replaceWith(Optional.<Frame>empty());
        }));
    }

    /** {@code command.result} from the target device: -> SUCCEEDED or FAILED. */
    @WithTransaction
    public Uni<Optional<Frame>> complete(InboundFrame in, CommandResult result) {
        return unlessUntrusted(in, () -> targetOwned(in, result.commandId()).chain(found -> {
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
        }));
    }

    /** {@code command.cancel} from any device of the user: a command that has not finished is CANCELLED. */
    @WithTransaction
    public Uni<Optional<Frame>> cancel(InboundFrame in, String commandId) {
        String corr = in.frame().id();
        return unlessUntrusted(in, () -> owned(in.userId(), commandId).chain(command -> {
            if (command == null) {
                return Uni.createFrom().item(Optional.of(ServerFrames.error(corr, ErrorCode.NOT_FOUND, "no command " + commandId)));
            }
            if (command.status.terminal()) {
                return Uni.createFrom().item(Optional.of(ServerFrames.error(corr, ErrorCode.CONFLICT,
                        "command " + commandId + " is already " + command.status)));
            }
            command.moveTo(CommandStatus.CANCELLED);
            return announce(command, corr).replaceWith(Optional.<Frame>empty());
        }));
    }

    /**
     * The device was revoked (its directory row is locked FOR UPDATE by this transaction already):
     * every command targeted at it that has not finished (QUEUED, DISPATCHED, DELIVERED) ends
     * CANCELLED with {@link #REVOKED_REASON}, announced as an ordinary cancel is (status frame to the
     * sender, rccs.command.events), except that a revoked sender is not sent a frame. Commands
     * already finished are left, so handling the same revoke again changes and sends nothing.
     * Commands the revoked device submitted to other devices are left too: they were submitted
     * while it was trusted, their target may be running them, and any trusted device of the
     * user can cancel them.
     */
    @WithTransaction
    public Uni<Integer> endCommandsOfRevoked(String userId, String deviceId) {
        return commands.lockUnfinishedFor(userId, deviceId).chain(unfinished -> {
            Uni<Void> work = Uni.createFrom().voidItem();
            for (Command command : unfinished) {
                command.lastError = REVOKED_REASON;
                command.moveTo(CommandStatus.CANCELLED);
                boolean tellSender = !deviceId.equals(command.senderDevice);
                work = work.call(() -> announce(command, null, tellSender));
            }
            return work.replaceWith(unfinished.size());
        });
    }

    /**
     * Runs the change unless the sending device is one the directory knows as untrusted. The
     * sender's row is share-locked first, so a revoke happens wholly before or after the change.
     */
    private Uni<Optional<Frame>> unlessUntrusted(InboundFrame in, Supplier<Uni<Optional<Frame>>> change) {
        if (in.deviceId() == null) {
            return change.get(); // the user over REST, not a device
        }
        return devices.findShared(in.userId(), in.deviceId()).chain(sender -> {
            if (sender == null || sender.trusted) {
                return change.get(); // not heard of yet (events may lag behind frames): the gateway decided
            }
            String why = sender.revoked() ? "this device was revoked" : "this device is not trusted yet: pair it first";
            return Uni.createFrom().item(Optional.of(ServerFrames.error(in.frame().id(), ErrorCode.NOT_TRUSTED, why)));
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
        return announce(command, corr, true);
    }

    private Uni<Void> announce(Command command, String corr, boolean tellSender) {
        metrics.counter("rccs_commands_total", "status", command.status.name()).increment();
        CommandEvent data = new CommandEvent(command.commandId.toString(), command.userId, command.senderDevice,
                command.targetDevice, command.name, Priority.name(command.priority), command.status.name(), command.attempt,
                command.version, command.lastError);
        String key = command.commandId.toString();
        CloudEvent event = CloudEvent.of(EventTypes.COMMAND_STATUS, "/command-queue-service", key, data);
        Uni<Void> frame = tellSender ? outbox(statusFrame(command, corr)).replaceWithVoid() : Uni.createFrom().voidItem();
        return frame.call(() -> outbox(OutboxEntry.of(OutboxEntry.COMMAND_EVENT, command.userId, key, event.toJson())))
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
