package io.rccs.queue.directory;

import java.time.Instant;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.rccs.model.protocol.payload.Capabilities;

/** A device as this service learnt it from rccs.device.events. */
@Entity
@Table(name = "known_device")
public class KnownDevice extends PanacheEntityBase {

    @Id
    @Column(name = "device_key")
    public String deviceKey;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(name = "device_id", nullable = false)
    public String deviceId;

    @Column(nullable = false)
    public String kind;

    @Column(nullable = false)
    public String[] capabilities = new String[0];

    @Column(nullable = false)
    public boolean trusted;

    /** When it was last seen online ({@link Instant#EPOCH} if only ever heard of by events that do not say so). */
    @Column(name = "last_online", nullable = false)
    public Instant lastOnline;

    /** Set by io.rccs.device.revoked.v1; cleared only when the id is registered anew. */
    @Column(name = "revoked_at")
    public Instant revokedAt;

    public boolean revoked() {
        return revokedAt != null;
    }

    /**
     * Trusted, and offering every required capability by the rule of {@link Capabilities}: a
     * requirement {@code name@major} is met only by the same name and major; a bare {@code name}
     * by {@code name} or any {@code name@N}.
     */
    public boolean canRun(List<String> required) {
        return trusted && Capabilities.allMet(List.of(capabilities), required);
    }
}
