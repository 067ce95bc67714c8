package io.rccs.relay.session;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.rccs.model.protocol.payload.SessionInfo;

/** A row of relay.work_session: a session as its last change left it. */
public record WorkSession(String sessionId, String userId, String name, String owner, String status, long version,
        String document, List<String> requires, boolean failover, int graceSec, List<String> members,
        String handoffId, String handoffTo, Instant handoffExpiresAt, Instant createdAt, Instant updatedAt,
        String lastHandoffId, String lastHandoffTo) {

    public static final String OPEN = "open";
    public static final String CLOSED = "closed";

    public boolean open() {
        return OPEN.equals(status);
    }

    public boolean isMember(String deviceId) {
        return members.contains(deviceId);
    }

    /** The next version, the same but for what the caller changes. */
    WorkSession next() {
        return new WorkSession(sessionId, userId, name, owner, status, version + 1, document, requires, failover, graceSec,
                members, handoffId, handoffTo, handoffExpiresAt, createdAt, updatedAt, lastHandoffId, lastHandoffTo);
    }

    WorkSession withDocument(String newDocument) {
        return new WorkSession(sessionId, userId, name, owner, status, version, newDocument, requires, failover, graceSec,
                members, handoffId, handoffTo, handoffExpiresAt, createdAt, updatedAt, lastHandoffId, lastHandoffTo);
    }

    /** A new owner (a member from now on); any pending handoff is over. */
    WorkSession withOwner(String newOwner) {
        return new WorkSession(sessionId, userId, name, newOwner, status, version, document, requires, failover, graceSec,
                withMember(members, newOwner), null, null, null, createdAt, updatedAt,
                handoffId != null ? handoffId : lastHandoffId, handoffId != null ? handoffTo : lastHandoffTo);
    }

    WorkSession withMemberAdded(String deviceId) {
        return new WorkSession(sessionId, userId, name, owner, status, version, document, requires, failover, graceSec,
                withMember(members, deviceId), handoffId, handoffTo, handoffExpiresAt, createdAt, updatedAt, lastHandoffId, lastHandoffTo);
    }

    WorkSession withHandoff(String id, String to, Instant expiresAt) {
        return new WorkSession(sessionId, userId, name, owner, status, version, document, requires, failover, graceSec,
                withMember(members, to), id, to, expiresAt, createdAt, updatedAt, lastHandoffId, lastHandoffTo);
    }

    /** The pending handoff ended without a move; remembered as the last one. */
    WorkSession withoutHandoff() {
        return new WorkSession(sessionId, userId, name, owner, status, version, document, requires, failover, graceSec,
                members, null, null, null, createdAt, updatedAt, handoffId, handoffTo);
    }

    WorkSession closed() {
        return new WorkSession(sessionId, userId, name, owner, CLOSED, version, document, requires, failover, graceSec,
                members, null, null, null, createdAt, updatedAt, lastHandoffId, lastHandoffTo);
    }

    private static List<String> withMember(List<String> members, String deviceId) {
        if (members.contains(deviceId)) {
            return members;
        }
        List<String> more = new ArrayList<>(members);
        more.add(deviceId);
        return List.copyOf(more);
    }

    public SessionInfo toInfo() {
        return new SessionInfo(sessionId, name, status, owner, version, requires, failover, graceSec, members, handoffTo,
                createdAt.toEpochMilli(), updatedAt.toEpochMilli());
    }
}
