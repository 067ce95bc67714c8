package io.rccs.relay.device;

import java.time.Instant;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.rccs.model.protocol.payload.Devices.DeviceInfo;

/** A device of a user, as registered by its first hello; pending until paired unless it was the user's first. */
@Entity
@Table(name = "device")
public class Device extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(name = "device_id", nullable = false)
    public String deviceId;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public String kind;

    public String platform;

    @Column(name = "app_version")
    public String appVersion;

    @Column(nullable = false)
    public String[] capabilities = new String[0];

    @Column(nullable = false)
    public boolean trusted;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt = Instant.now();

    @Column(name = "last_seen", nullable = false)
    public Instant lastSeen = Instant.now();

    /** SHA-256 (base64url) of the device's credential; null once revoked (or for a device from before credentials). */
    @Column(name = "credential_hash")
    public String credentialHash;

    /** When the device was revoked; a revoked device's id may be registered again, as a new pending device. */
    @Column(name = "revoked_at")
    public Instant revokedAt;

    /** When a pending device was approved. */
    @Column(name = "paired_at")
    public Instant pairedAt;

    /** The connection the relay last welcomed for this device, and its gateway. */
    @Column(name = "last_connection_id")
    public String lastConnectionId;

    @Column(name = "last_gateway")
    public Integer lastGateway;

    public boolean revoked() {
        return revokedAt != null;
    }

    public List<String> capabilityList() {
        return List.of(capabilities);
    }

    public DeviceInfo toInfo(boolean online) {
        return new DeviceInfo(deviceId, name, kind, platform, capabilityList(), trusted, online ? "online" : "offline",
                lastSeen.toEpochMilli());
    }
}
