package io.rccs.relay.device;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.rccs.common.DeliverySender;
import io.rccs.common.PresenceReader;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.model.protocol.payload.Presence;
import io.rccs.model.protocol.payload.Welcome;
import io.rccs.relay.RelayConfig;
import io.smallrye.mutiny.Uni;

/**
 * A device connects (hello) or disconnects: register it, welcome it, tell the user's other devices
 * and the other services (rccs.device.events).
 */
@ApplicationScoped
public class DeviceLifecycle {

    private final DeviceRegistry registry;
    private final DeliverySender deliveries;
    private final PresenceReader presence;
    private final DeviceEventPublisher events;
    private final RelayConfig config;
    private final MeterRegistry metrics;

    public DeviceLifecycle(DeviceRegistry registry, DeliverySender deliveries, PresenceReader presence,
            DeviceEventPublisher events, RelayConfig config, MeterRegistry metrics) {
        this.registry = registry;
        this.deliveries = deliveries;
        this.presence = presence;
        this.events = events;
        this.config = config;
        this.metrics = metrics;
    }

    public Uni<Void> hello(InboundFrame in) throws ProtocolException {
        Hello hello = FrameCodec.validPayload(in.frame(), Hello.class);
        return registry.register(in.userId(), hello).chain(registration -> {
            Device device = registration.device();
            if (registration.created()) {
                metrics.counter("rccs_devices_registered_total").increment();
            }
            // resume and replay come with the message inbox; until then nothing is replayed
            Welcome welcome = new Welcome(in.connectionId(), device.deviceId, device.trusted,
                    (int) config.heartbeat().toSeconds(), false, 0);
            Uni<Void> registered = registration.created()
                    ? events.publish(EventTypes.DEVICE_REGISTERED, device, true, in.connectionId(), in.gateway())
                    : Uni.createFrom().voidItem();
            // the welcome goes out first: the online event makes other services send to the device
            return deliveries.reply(in, ServerFrames.of(FrameType.WELCOME, in.frame().id(), welcome))
                    .chain(() -> registered)
                    .chain(() -> events.publish(EventTypes.DEVICE_ONLINE, device, true, in.connectionId(), in.gateway()))
                    .chain(() -> tellOthers(device, "online"));
        });
    }

    public Uni<Void> closed(ConnectionClosed closed) {
        return presence.find(closed.userId(), closed.deviceId()).chain(current -> {
            if (current.isPresent()) {
                return Uni.createFrom().voidItem(); // a newer connection of the device is live: still online
            }
            return registry.seen(closed.userId(), closed.deviceId()).chain(device -> device == null
                    ? Uni.createFrom().voidItem()
                    : events.publish(EventTypes.DEVICE_OFFLINE, device, false, closed.connectionId(), closed.gateway())
                            .chain(() -> tellOthers(device, "offline")));
        });
    }

    /** Pushes a presence frame to the user's other trusted devices that are online. */
    private Uni<Void> tellOthers(Device changed, String state) {
        if (!changed.trusted) {
            return Uni.createFrom().voidItem();
        }
        Presence payload = new Presence(changed.deviceId, state, changed.lastSeen.toEpochMilli());
        return registry.list(changed.userId).chain(devices -> deliveries.toDevices(changed.userId, devices.stream()
                .filter(other -> other.trusted && !other.deviceId.equals(changed.deviceId))
                .map(other -> other.deviceId)
                .toList(), ServerFrames.of(FrameType.PRESENCE, null, payload)));
    }
}
