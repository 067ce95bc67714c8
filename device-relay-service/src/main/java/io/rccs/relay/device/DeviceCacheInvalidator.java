package io.rccs.relay.device;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.rccs.common.Channels;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.DeviceEvent;

/**
 * Reads rccs.device.events (a consumer group of this instance alone, from the end: see
 * application.properties) and drops the cached device list of the user each event is about, so that
 * a change made by another relay instance is seen here too.
 */
@ApplicationScoped
public class DeviceCacheInvalidator {

    private final DeviceCache cache;

    public DeviceCacheInvalidator(DeviceCache cache) {
        this.cache = cache;
    }

    @Incoming(Channels.DEVICE_EVENTS_CACHE)
    public void onDeviceEvent(String json) {
        try {
            cache.invalidate(CloudEvent.fromJson(json).data(DeviceEvent.class).userId());
        } catch (RuntimeException unreadable) {
            // not ours to judge: the topic's real consumers dead-letter it; nothing is cached from it
        }
    }
}
