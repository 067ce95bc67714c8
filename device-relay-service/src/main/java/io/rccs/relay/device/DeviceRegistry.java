package io.rccs.relay.device;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.relay.RelayConfig;
import io.smallrye.mutiny.Uni;

/** Registers devices on hello and keeps what they say about themselves current. */
@ApplicationScoped
public class DeviceRegistry {

    /** The device after hello, and whether this hello created it. */
    public record Registration(Device device, boolean created) {
    }

    private final DeviceRepository devices;
    private final RelayConfig config;

    public DeviceRegistry(DeviceRepository devices, RelayConfig config) {
        this.devices = devices;
        this.config = config;
    }

    @WithTransaction
    public Uni<Registration> register(String userId, Hello hello) {
        return devices.findDevice(userId, hello.deviceId()).chain(existing -> {
            if (existing != null) {
                describe(existing, hello);
                return Uni.createFrom().item(new Registration(existing, false));
            }
            // frames of one user arrive in order on one partition, so two first devices cannot race here
            return devices.countByUser(userId).chain(count -> {
                Device device = new Device();
                device.userId = userId;
                device.deviceId = hello.deviceId();
                device.trusted = count == 0 || config.autoTrust();
                describe(device, hello);
                return devices.persist(device).map(saved -> new Registration(saved, true));
            });
        });
    }

    @WithTransaction
    public Uni<Device> seen(String userId, String deviceId) {
        return devices.findDevice(userId, deviceId).invoke(device -> {
            if (device != null) {
                device.lastSeen = Instant.now();
            }
        });
    }

    @WithTransaction
    public Uni<Device> find(String userId, String deviceId) {
        return devices.findDevice(userId, deviceId);
    }

    @WithTransaction
    public Uni<List<Device>> list(String userId) {
        return devices.listByUser(userId);
    }

    private static void describe(Device device, Hello hello) {
        device.name = hello.name();
        device.kind = hello.kind();
        device.platform = hello.platform();
        device.appVersion = hello.appVersion();
        device.capabilities = hello.capabilities().toArray(String[]::new);
        device.lastSeen = Instant.now();
    }
}
