package io.rccs.queue.directory;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.Topics;
import io.smallrye.mutiny.Uni;

/** This service's own view of the users' devices, built from rccs.device.events. */
@ApplicationScoped
public class DeviceDirectory {

    private final KnownDeviceRepository devices;

    public DeviceDirectory(KnownDeviceRepository devices) {
        this.devices = devices;
    }

    /** Upserts the device as the event describes it; replaying an event leaves the same row. */
    @WithTransaction
    public Uni<Void> record(DeviceEvent event) {
        String key = Topics.deviceKey(event.userId(), event.deviceId());
        return devices.findById(key).chain(existing -> {
            KnownDevice device = existing != null ? existing : new KnownDevice();
            device.deviceKey = key;
            device.userId = event.userId();
            device.deviceId = event.deviceId();
            device.kind = event.kind();
            device.capabilities = event.capabilities() == null ? new String[0] : event.capabilities().toArray(String[]::new);
            device.trusted = event.trusted();
            if (event.online() || device.lastOnline == null) {
                device.lastOnline = Instant.now();
            }
            return existing != null ? Uni.createFrom().voidItem() : devices.persist(device).replaceWithVoid();
        });
    }
}
