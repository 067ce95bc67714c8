package io.rccs.relay.device;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;

import io.rccs.common.Channels;
import io.rccs.common.EventPublisher;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;

/** Publishes device lifecycle and presence on rccs.device.events, keyed by device. */
@ApplicationScoped
public class DeviceEventPublisher {

    private final MutinyEmitter<String> events;

    public DeviceEventPublisher(@Channel(Channels.DEVICE_EVENTS_OUT) MutinyEmitter<String> events) {
        this.events = events;
    }

    public Uni<Void> publish(String type, Device device, boolean online, String connectionId, Integer gateway) {
        String key = Topics.deviceKey(device.userId, device.deviceId);
        DeviceEvent data = new DeviceEvent(device.userId, device.deviceId, device.name, device.kind,
                device.capabilityList(), device.trusted, online, connectionId, gateway);
        return EventPublisher.publish(events, key, CloudEvent.of(type, "/device-relay-service", key, data));
    }
}
