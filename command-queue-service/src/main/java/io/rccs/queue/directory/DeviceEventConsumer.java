package io.rccs.queue.directory;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.rccs.common.Channels;
import io.rccs.common.consumption.EventConsumption;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.queue.command.CommandStore;
import io.rccs.queue.outbox.OutboxPublisher;
import io.smallrye.mutiny.Uni;

/**
 * Consumes rccs.device.events: keeps the device directory current ({@link DeviceDirectory}); when a
 * device comes online, flushes its open commands to it; when a device is revoked, ends the commands
 * targeted at it (CANCELLED, "device revoked") in the same transaction that records the revoke, so a
 * replayed revoke finds nothing left to end and sends nothing again.
 */
@ApplicationScoped
public class DeviceEventConsumer {

    /** The consumer's name in dead letters and metrics: its group. */
    public static final String CONSUMER = "command-queue-devices";

    private final DeviceDirectory directory;
    private final CommandStore commands;
    private final OutboxPublisher outbox;
    private final EventConsumption consumption;

    public DeviceEventConsumer(DeviceDirectory directory, CommandStore commands, OutboxPublisher outbox,
            EventConsumption consumption) {
        this.directory = directory;
        this.commands = commands;
        this.outbox = outbox;
        this.consumption = consumption;
    }

    @Incoming(Channels.DEVICE_EVENTS)
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        // events of one device in order (the key), devices in parallel
        return consumption.consume(CONSUMER, records, event -> {
            DeviceEvent device = event.data(DeviceEvent.class);
            if (EventTypes.DEVICE_REVOKED.equals(event.type())) {
                return Panache.withTransaction(() -> directory.record(event.type(), device)
                        .chain(() -> commands.endCommandsOfRevoked(device.userId(), device.deviceId())))
                        .chain(ended -> ended == 0 ? Uni.createFrom().voidItem() : outbox.flush());
            }
            Uni<Void> recorded = directory.record(event.type(), device).replaceWithVoid();
            // only "online" delivers: registered comes with an online event of its own; paired, denied,
            // renamed and offline say nothing about a connection to deliver to
            if (!EventTypes.DEVICE_ONLINE.equals(event.type())) {
                return recorded;
            }
            return recorded.chain(() -> commands.dispatchOpen(device.userId(), device.deviceId(), true))
                    .chain(outbox::flush);
        });
    }
}
