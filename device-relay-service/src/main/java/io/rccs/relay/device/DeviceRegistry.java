package io.rccs.relay.device;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.relay.RelayConfig;
import io.smallrye.mutiny.Uni;

/**
 * The device registry: registers devices on hello, checks the credential a known device must
 * prove, and keeps what devices say about themselves current. Frames of one user are handled in
 * order (one partition, one key), so two hellos of a user never race here.
 */
@ApplicationScoped
public class DeviceRegistry {

    /**
     * The outcome of a hello: the device and whether this hello registered it, or why it was refused
     * (then {@code device} is null).
     */
    public record Registration(Device device, boolean created, ErrorCode refusal, String reason) {

        static Registration accepted(Device device, boolean created) {
            return new Registration(device, created, null, null);
        }

        static Registration refused(ErrorCode code, String reason) {
            return new Registration(null, false, code, reason);
        }

        public boolean refused() {
            return refusal != null;
        }
    }

    /**
     * What a hello proves: the hash of its credential, and whether the client presented it (false:
     * the gateway made it for a hello without one).
     */
    public record Proof(String hash, boolean presented) {
    }

    /** A revoke seen again this soon after it happened is the same request handled again. */
    static final Duration REVOKE_REPEAT_WINDOW = Duration.ofMinutes(5);

    private final DeviceRepository devices;
    private final RelayConfig config;

    public DeviceRegistry(DeviceRepository devices, RelayConfig config) {
        this.devices = devices;
        this.config = config;
    }

    /**
     * A known device must prove itself: the hash of what the hello presents (or of the credential the
     * gateway made for a hello without one) must be the stored one. An unknown device id, or a revoked
     * one, is registered with that hash (pending unless it is the first device the user ever had) —
     * except that a revoked device's own old credential stays refused. A client that makes its own
     * credential before its first hello can therefore send that hello again after a lost welcome.
     * The user's token alone never lets a client speak as an existing device.
     */
    @WithTransaction
    public Uni<Registration> register(String userId, Hello hello, Proof proof, String connectionId, int gateway) {
        return devices.findDevice(userId, hello.deviceId()).chain(existing -> {
            if (proof == null || proof.hash() == null) {
                return Uni.createFrom().item(Registration.refused(ErrorCode.FORBIDDEN, "the hello carries no device proof"));
            }
            String hash = proof.hash();
            if (existing != null && existing.revoked()) {
                if (proof.presented() && equal(existing.credentialHash, hash)) {
                    return refused(ErrorCode.FORBIDDEN, "device '" + hello.deviceId() + "' was revoked");
                }
                return create(userId, hello, hash, existing, connectionId, gateway);
            }
            if (existing == null) {
                return create(userId, hello, hash, null, connectionId, gateway);
            }
            if (existing.credentialHash == null) {
                return legacy(existing, hello, hash, connectionId, gateway);
            }
            if (!equal(existing.credentialHash, hash)) {
                return refused(ErrorCode.FORBIDDEN, proof.presented()
                        ? "the credential does not match device '" + hello.deviceId() + "'"
                        : "device '" + hello.deviceId() + "' is registered: say hello with its credential");
            }
            describe(existing, hello, connectionId, gateway);
            return Uni.createFrom().item(Registration.accepted(existing, false));
        });
    }

    /**
     * A device registered before credentials existed. Adopting the first proof would let anyone with
     * the user's token take it over, so it is refused unless the operator turned adoption on for the
     * upgrade ({@code rccs.relay.adopt-devices-without-credential}).
     */
    private Uni<Registration> legacy(Device existing, Hello hello, String hash, String connectionId, int gateway) {
        if (!config.adoptDevicesWithoutCredential()) {
            return refused(ErrorCode.FORBIDDEN, "device '" + hello.deviceId()
                    + "' was registered before device credentials: revoke it and pair it again");
        }
        existing.credentialHash = hash;
        describe(existing, hello, connectionId, gateway);
        return Uni.createFrom().item(Registration.accepted(existing, false));
    }

    private Uni<Registration> create(String userId, Hello hello, String credentialHash, Device revoked, String connectionId,
            int gateway) {
        return devices.countActive(userId).chain(active -> {
            if (active >= config.maxDevicesPerUser()) {
                return refused(ErrorCode.CONFLICT, "this user has " + active + " devices, the most allowed ("
                        + config.maxDevicesPerUser() + "): revoke one first");
            }
            return devices.countEver(userId).chain(everRegistered -> {
                // a revoked id registered again is a new device: new credential, pairing again
                Device device = revoked != null ? revoked : new Device();
                device.userId = userId;
                device.deviceId = hello.deviceId();
                // only the user's very first device trusts itself: revoking every device (which the
                // token alone can do over REST) must not make the next hello trusted
                device.trusted = everRegistered == 0 || config.autoTrust();
                device.credentialHash = credentialHash;
                device.revokedAt = null;
                device.pairedAt = null;
                device.createdAt = Instant.now();
                device.name = hello.name();
                describe(device, hello, connectionId, gateway);
                return devices.persist(device).map(saved -> Registration.accepted(saved, true));
            });
        });
    }

    private static boolean equal(String stored, String hash) {
        return stored != null && MessageDigest.isEqual(stored.getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII));
    }

    private static Uni<Registration> refused(ErrorCode code, String reason) {
        return Uni.createFrom().item(Registration.refused(code, reason));
    }

    @WithTransaction
    public Uni<Device> seen(String userId, String deviceId) {
        return devices.findDevice(userId, deviceId).invoke(device -> {
            if (device != null && !device.revoked()) {
                device.lastSeen = Instant.now();
            }
        }).map(device -> device == null || device.revoked() ? null : device);
    }

    /** The device if it exists and is not revoked, else null. */
    @WithTransaction
    public Uni<Device> find(String userId, String deviceId) {
        return devices.findDevice(userId, deviceId).map(device -> device == null || device.revoked() ? null : device);
    }

    /** Gives a device a new name; null when there is no such (unrevoked) device. */
    @WithTransaction
    public Uni<Device> rename(String userId, String deviceId, String name) {
        return devices.findDevice(userId, deviceId).map(device -> {
            if (device == null || device.revoked()) {
                return null;
            }
            device.name = name;
            return device;
        });
    }

    /**
     * Revokes a device: credential cleared, trust gone. Null when there is no such device; a device
     * revoked moments ago is returned again (the same revoke, handled again after a failure), so
     * the steps after it still happen.
     */
    @WithTransaction
    public Uni<Device> revoke(String userId, String deviceId) {
        return devices.findDevice(userId, deviceId).map(device -> {
            if (device == null) {
                return null;
            }
            if (device.revoked()) {
                return device.revokedAt.isAfter(Instant.now().minus(REVOKE_REPEAT_WINDOW)) ? device : null;
            }
            // the hash stays, so that the old credential can be told apart (and refused) from a new one
            device.revokedAt = Instant.now();
            device.trusted = false;
            return device;
        });
    }

    /** Makes a pending device trusted; null when it is gone (revoked meanwhile). */
    @WithTransaction
    public Uni<Device> trust(String userId, String deviceId) {
        return devices.findDevice(userId, deviceId).map(device -> {
            if (device == null || device.revoked()) {
                return null;
            }
            if (!device.trusted) {
                device.trusted = true;
                device.pairedAt = Instant.now();
            }
            return device;
        });
    }

    /**
     * What a hello may change: the name is the user's once the device exists (they may rename it),
     * the rest is the device's own description.
     */
    private static void describe(Device device, Hello hello, String connectionId, int gateway) {
        device.lastConnectionId = connectionId;
        device.lastGateway = gateway;
        device.kind = hello.kind();
        device.platform = hello.platform();
        device.appVersion = hello.appVersion();
        device.capabilities = hello.capabilities().toArray(String[]::new);
        device.lastSeen = Instant.now();
    }
}
