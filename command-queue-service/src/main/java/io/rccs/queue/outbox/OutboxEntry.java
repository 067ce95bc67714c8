package io.rccs.queue.outbox;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** Something to publish once the transaction that wrote it has committed. */
@Entity
@Table(name = "outbox")
public class OutboxEntry extends PanacheEntityBase {

    /** A frame for a device ({@code target} = device id), or a command event ({@code target} = record key). */
    public static final String DEVICE_FRAME = "frame";
    public static final String COMMAND_EVENT = "event";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public String kind;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(nullable = false)
    public String target;

    /** A frame's or a CloudEvent's JSON. */
    @Column(nullable = false)
    public String payload;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt = Instant.now();

    public static OutboxEntry of(String kind, String userId, String target, String payload) {
        OutboxEntry entry = new OutboxEntry();
        entry.kind = kind;
        entry.userId = userId;
        entry.target = target;
        entry.payload = payload;
        return entry;
    }
}
