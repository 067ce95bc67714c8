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

/** A device of a user, as registered by its first hello. */
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

    public List<String> capabilityList() {
        return List.of(capabilities);
    }

    public DeviceInfo toInfo(boolean online) {
        return new DeviceInfo(deviceId, name, kind, platform, capabilityList(), trusted, online ? "online" : "offline",
                lastSeen.toEpochMilli());
    }
}
