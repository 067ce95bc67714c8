package io.rccs.queue.directory;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.smallrye.mutiny.Uni;

/**
 * This service's own view of the users' devices, built from rccs.device.events:
 * <ul>
 * <li>{@code registered} — a new device (or a revoked id registered anew): trust as the event says,
 *     no longer revoked; it comes with the device online;</li>
 * <li>{@code online} — the only event that makes a device count as online here (besides
 *     {@code registered}, which the relay publishes with online = true);</li>
 * <li>{@code offline}, {@code paired} (trusted now), {@code denied} (stays pending), {@code renamed}
 *     — trust and description as the event says, never "online";</li>
 * <li>{@code revoked} — untrusted, and marked revoked: until the id is registered anew no event can
 *     make it trusted again (an online event the relay made from a device it read before the
 *     revoke, published after it, must not undo the revoke).</li>
 * </ul>
 */
@ApplicationScoped
public class DeviceDirectory {

    private final KnownDeviceRepository devices;

    public DeviceDirectory(KnownDeviceRepository devices) {
        this.devices = devices;
    }

    /**
     * Upserts the device as an event of this type describes it; replaying an event leaves the same
     * row. The row is locked first (FOR UPDATE), before any command row: the same order as every
     * other transaction that reads a device and then commands (see CommandStore), so none deadlocks.
     */
    @WithTransaction
    public Uni<KnownDevice> record(String type, DeviceEvent event) {
        String key = Topics.deviceKey(event.userId(), event.deviceId());
        return devices.findById(key, LockModeType.PESSIMISTIC_WRITE).chain(existing -> {
            KnownDevice device = existing != null ? existing : new KnownDevice();
            device.deviceKey = key;
            device.userId = event.userId();
            device.deviceId = event.deviceId();
            device.kind = event.kind();
            device.capabilities = event.capabilities() == null ? new String[0] : event.capabilities().toArray(String[]::new);
            Instant now = Instant.now();
            if (EventTypes.DEVICE_REVOKED.equals(type)) {
                device.trusted = false;
                if (device.revokedAt == null) {
                    device.revokedAt = now;
                }
            } else if (EventTypes.DEVICE_REGISTERED.equals(type)) {
                device.revokedAt = null; // registered anew: a new device under the old id
                device.trusted = event.trusted();
            } else {
                device.trusted = event.trusted() && !device.revoked();
            }
            boolean saysOnline = EventTypes.DEVICE_ONLINE.equals(type) || EventTypes.DEVICE_REGISTERED.equals(type);
            if (saysOnline && event.online()) {
                device.lastOnline = now;
            } else if (device.lastOnline == null) {
                // first heard of by an event that is not about being online: an offline event means
                // it was online until now; paired, denied, renamed and revoked say nothing of it
                device.lastOnline = EventTypes.DEVICE_OFFLINE.equals(type) ? now : Instant.EPOCH;
            }
            return existing != null ? Uni.createFrom().item(device) : devices.persist(device);
        });
    }
}
