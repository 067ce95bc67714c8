package io.rccs.queue.directory;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.micrometer.core.instrument.MeterRegistry;
import io.rccs.common.Channels;
import io.rccs.common.EventConsumption;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.queue.command.CommandStore;
import io.rccs.queue.outbox.OutboxPublisher;
import io.smallrye.mutiny.Uni;

/**
 * Consumes rccs.device.events: keeps the device directory current and, when a device comes online,
 * flushes its open commands to it.
 */
@ApplicationScoped
public class DeviceEventConsumer {

    private final DeviceDirectory directory;
    private final CommandStore commands;
    private final OutboxPublisher outbox;
    private final MeterRegistry metrics;

    public DeviceEventConsumer(DeviceDirectory directory, CommandStore commands, OutboxPublisher outbox, MeterRegistry metrics) {
        this.directory = directory;
        this.commands = commands;
        this.outbox = outbox;
        this.metrics = metrics;
    }

    @Incoming(Channels.DEVICE_EVENTS)
    public Uni<Void> consume(String json) {
        return EventConsumption.consume(json, metrics, event -> {
            DeviceEvent device = event.data(DeviceEvent.class);
            Uni<Void> recorded = directory.record(device);
            if (!EventTypes.DEVICE_ONLINE.equals(event.type())) {
                return recorded;
            }
            return recorded.chain(() -> commands.dispatchOpen(device.userId(), device.deviceId(), true))
                    .chain(outbox::flush);
        });
    }
}
