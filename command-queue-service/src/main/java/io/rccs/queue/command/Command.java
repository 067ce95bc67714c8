package io.rccs.queue.command;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A queued command and where it is in its lifecycle. */
@Entity
@Table(name = "command")
public class Command extends PanacheEntityBase {

    @Id
    @Column(name = "command_id")
    public UUID commandId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(name = "sender_device", nullable = false)
    public String senderDevice;

    @Column(name = "submit_id", nullable = false)
    public String submitId;

    /** Null until a device is chosen for a command submitted without {@code to}. */
    @Column(name = "target_device")
    public String targetDevice;

    @Column(nullable = false)
    public String name;

    /** The args as JSON text. */
    public String args;

    @Column(nullable = false)
    public short priority;

    @Column(nullable = false)
    public String[] requires = new String[0];

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public CommandStatus status;

    @Column(nullable = false)
    public int attempt;

    @Column(name = "max_attempts", nullable = false)
    public int maxAttempts;

    @Column(name = "not_before")
    public Instant notBefore;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    /** The device's output as JSON text, once it reported a result. */
    public String result;

    @Column(name = "last_error")
    public String lastError;

    /** Grows by one on every transition: consumers of rccs.command.events order and dedupe by it. */
    @Column(nullable = false)
    public long version;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public List<String> requiredCapabilities() {
        return List.of(requires);
    }

    public boolean dueAt(Instant now) {
        return (notBefore == null || !notBefore.isAfter(now)) && expiresAt.isAfter(now);
    }

    void moveTo(CommandStatus next) {
        status = next;
        version++;
        updatedAt = Instant.now();
    }
}
