package io.rccs.queue.directory;

import java.time.Instant;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

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

    @Column(name = "last_online", nullable = false)
    public Instant lastOnline;

    public boolean canRun(List<String> required) {
        return trusted && List.of(capabilities).containsAll(required);
    }
}
