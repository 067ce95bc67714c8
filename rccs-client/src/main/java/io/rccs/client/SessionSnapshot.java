package io.rccs.client;

import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A work session as a replica held it at one moment (SPEC 3.5): its id, version, owner device,
 * status ({@code open} or {@code closed}) and state document. The document is a copy made for this
 * snapshot: changing it changes neither the replica nor other snapshots.
 */
public record SessionSnapshot(String session, long version, String owner, String status, JsonNode document) {

    public SessionSnapshot {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(document, "document");
    }

    /** Whether the session is still open (a closed one takes no more patches). */
    public boolean isOpen() {
        return SessionReplica.OPEN.equals(status);
    }

    /** Whether {@code deviceId} owns the session at this version. */
    public boolean isOwnedBy(String deviceId) {
        return deviceId != null && deviceId.equals(owner);
    }
}
