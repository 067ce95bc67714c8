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

    /** What a hello proves: the hash of the credential the client presented, or of one the gateway made for it. */
    public record Proof(String presentedHash, String issuedHash) {
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
     * A device that presents a credential must exist, not be revoked, and match. A device without
     * one is registered (pending unless it is the first device the user ever had), or, if its id is
     * taken, refused: the user's token alone never lets a client speak as an existing device. The
     * one exception is this same hello handled again: the stored hash is the one the gateway made
     * for it, so it matches.
     */
    @WithTransaction
    public Uni<Registration> register(String userId, Hello hello, Proof proof) {
        return devices.findDevice(userId, hello.deviceId()).chain(existing -> {
            if (proof == null || (proof.presentedHash() == null) == (proof.issuedHash() == null)) {
                return Uni.createFrom().item(Registration.refused(ErrorCode.FORBIDDEN, "the hello carries no device proof"));
            }
            if (proof.presentedHash() != null) {
                if (existing == null) {
                    return refused(ErrorCode.FORBIDDEN, "no device '" + hello.deviceId()
                            + "' is registered for this user: forget the credential and say hello without one to register anew");
                }
                if (existing.revoked()) {
                    return refused(ErrorCode.FORBIDDEN, "device '" + hello.deviceId() + "' was revoked");
                }
                if (!matches(existing, proof.presentedHash())) {
                    return refused(ErrorCode.FORBIDDEN, "the credential does not match device '" + hello.deviceId() + "'");
                }
                describe(existing, hello);
                return Uni.createFrom().item(Registration.accepted(existing, false));
            }
            if (existing != null && !existing.revoked()) {
                if (matches(existing, proof.issuedHash())) {
                    describe(existing, hello);
                    return Uni.createFrom().item(Registration.accepted(existing, false));
                }
                return refused(ErrorCode.FORBIDDEN, "device '" + hello.deviceId()
                        + "' is registered: say hello with its credential");
            }
            return create(userId, hello, proof.issuedHash(), existing);
        });
    }

    private Uni<Registration> create(String userId, Hello hello, String credentialHash, Device revoked) {
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
                describe(device, hello);
                return devices.persist(device).map(saved -> Registration.accepted(saved, true));
            });
        });
    }

    /** A device from before credentials existed takes the first proof it is given. */
    private static boolean matches(Device device, String hash) {
        if (device.credentialHash == null) {
            device.credentialHash = hash;
            return true;
        }
        return MessageDigest.isEqual(device.credentialHash.getBytes(StandardCharsets.US_ASCII),
                hash.getBytes(StandardCharsets.US_ASCII));
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
            device.revokedAt = Instant.now();
            device.trusted = false;
            device.credentialHash = null;
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
    private static void describe(Device device, Hello hello) {
        device.kind = hello.kind();
        device.platform = hello.platform();
        device.appVersion = hello.appVersion();
        device.capabilities = hello.capabilities().toArray(String[]::new);
        device.lastSeen = Instant.now();
    }
}
