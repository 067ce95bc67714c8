package io.rccs.queue.command;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.MeterRegistry;
import io.rccs.common.TaggedCounters;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.CommandEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboxAppend;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandDelivery;
import io.rccs.model.protocol.payload.CommandView;
import io.rccs.queue.outbox.Announcement;

/**
 * What a transition announces, as outbox entries: the {@code command.status} frame for the sending
 * device (into its inbox, so that it gets every status in order even after being offline), the
 * event on rccs.command.events, for a dead letter also rccs.command.dead-letters, and for a
 * dispatch the {@code command} frame for the device.
 */
final class Announcer {

    /** The source of the inbox entries: the sending device sees them from {@code @command-queue}. */
    static final String INBOX_SOURCE = "command-queue";
    private static final String EVENT_SOURCE = "/command-queue-service";

    private final TaggedCounters transitions;

    Announcer(MeterRegistry metrics) {
        // every status from the start: the alerts on DEAD and EXPIRED must see the first one
        this.transitions = new TaggedCounters(metrics, "rccs_commands_total", "status")
                .atZero(java.util.Arrays.stream(CommandStatus.values()).map(Enum::name).toList());
    }

    /** The entries of one transaction, in the order they are to be published. */
    final class Batch {
        final List<Announcement> entries = new ArrayList<>();

        /** The command's current state to its sender and on Kafka; {@code corr} answers a frame (the submit, a cancel). */
        Batch status(Command c, String corr) {
            return status(c, corr, true);
        }

        Batch status(Command c, String corr, boolean tellSender) {
            transitions.increment(c.status.name());
            String key = c.commandId.toString();
            if (tellSender && !c.fromBackend()) {
                InboxAppend append = new InboxAppend(c.userId, c.senderDevice, INBOX_SOURCE, key + ".v" + c.version,
                        statusFrame(c, corr));
                entries.add(new Announcement(Announcement.INBOX, c.userId, c.senderDevice,
                        CloudEvent.of(EventTypes.INBOX_APPEND, EVENT_SOURCE, c.userId, append).toJson(), c.commandId));
            }
            CommandEvent data = event(c);
            entries.add(new Announcement(Announcement.EVENT, c.userId, key,
                    CloudEvent.of(EventTypes.COMMAND_STATUS, EVENT_SOURCE, key, data).toJson(), c.commandId));
            if (c.status == CommandStatus.EXPIRED || c.status == CommandStatus.DEAD) {
                entries.add(new Announcement(Announcement.DEAD_LETTER, c.userId, key,
                        CloudEvent.of(EventTypes.COMMAND_DEAD_LETTERED, EVENT_SOURCE, key, data).toJson(), c.commandId));
            }
            return this;
        }

        /** The {@code command} frame for the device it was dispatched to. */
        Batch command(Command c) {
            CommandDelivery delivery = new CommandDelivery(c.commandId.toString(), c.name, json(c.args), Priority.name(c.priority),
                    c.attempt);
            Frame frame = Frame.server(c.commandId + "-" + c.attempt, FrameType.COMMAND, null, FrameCodec.toPayload(delivery))
                    .withFrom(c.fromBackend() ? null : c.senderDevice);
            entries.add(new Announcement(Announcement.DEVICE_FRAME, c.userId, c.targetDevice, FrameCodec.encode(frame), c.commandId));
            return this;
        }
    }

    Batch batch() {
        return new Batch();
    }

    /** The command's current status as a frame (its id says which version it is). */
    static Frame statusFrame(Command c, String corr) {
        var status = new io.rccs.model.protocol.payload.CommandStatus(c.commandId.toString(), c.status.name(), c.targetDevice,
                c.attempt, json(c.result), c.lastError, c.version);
        return Frame.server(c.commandId + ".v" + c.version, FrameType.COMMAND_STATUS, corr, FrameCodec.toPayload(status));
    }

    static CommandEvent event(Command c) {
        return new CommandEvent(c.commandId.toString(), c.userId, c.senderDevice, c.targetDevice, c.name,
                Priority.name(c.priority), c.status.name(), c.attempt, c.version, c.lastError);
    }

    static CommandView view(Command c) {
        return new CommandView(c.commandId.toString(), c.userId, c.name, json(c.args), Priority.name(c.priority), c.status.name(),
                c.senderDevice, c.targetDevice, c.requires, c.attempt, c.maxAttempts, millis(c.notBefore), millis(c.expiresAt),
                c.ttlSec, millis(c.createdAt), millis(c.updatedAt), millis(c.nextAttemptAt), millis(c.deadAt),
                json(c.result), c.lastError, c.version);
    }

    /** Epoch milliseconds, saturated: a stored time out of range (PostgreSQL infinity) must not break a listing. */
    private static Long millis(java.time.Instant instant) {
        if (instant == null) {
            return null;
        }
        try {
            return instant.toEpochMilli();
        } catch (ArithmeticException outOfRange) {
            return instant.isBefore(java.time.Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    static JsonNode json(String text) {
        try {
            return text == null ? null : FrameCodec.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is always valid", e);
        }
    }
}
