package io.rccs.queue.directory;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.quarkus.runtime.Startup;
import io.rccs.common.Channels;
import io.rccs.common.consumption.EventConsumption;
import io.rccs.model.events.DeviceEvent;
import io.rccs.queue.command.CommandStore;
import io.smallrye.mutiny.Uni;

/**
 * Consumes rccs.device.events: each event updates the directory and, in the same transaction, the
 * commands it concerns ({@link CommandStore#deviceEvent}): online flushes the device's queue, offline
 * puts back what it had not acknowledged, revoked ends what was for it. A replayed event finds
 * nothing left to do.
 */
@ApplicationScoped
@Startup // created at start, so that its dead-letter counters exist before the first record
public class DeviceEventConsumer {

    /** The consumer's name in dead letters and metrics: its group. */
    public static final String CONSUMER = "command-queue-devices";

    private final CommandStore commands;
    private final EventConsumption consumption;

    public DeviceEventConsumer(CommandStore commands, EventConsumption consumption) {
        this.commands = commands;
        this.consumption = consumption;
        consumption.expect(CONSUMER);
    }

    @Incoming(Channels.DEVICE_EVENTS)
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        // events of one device in order (the key), devices in parallel
        return consumption.consume(CONSUMER, records,
                event -> commands.deviceEvent(event.type(), event.data(DeviceEvent.class)).replaceWithVoid());
    }
}
