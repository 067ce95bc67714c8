package io.rccs.queue.session;

import io.vertx.mutiny.sqlclient.Row;

/**
 * A work session as this service learnt it from rccs.session.events (table {@code queue.work_session}):
 * whose it is, which device owns it now, and the version of the last event applied.
 */
public record WorkSession(String sessionId, String userId, String ownerDevice, long version, String status) {

    public static final String OPEN = "open";
    public static final String CLOSED = "closed";

    static final String COLUMNS = "session_id, user_id, owner_device, version, status";

    static WorkSession from(Row row) {
        return new WorkSession(row.getString(0), row.getString(1), row.getString(2), row.getLong(3), row.getString(4));
    }

    public boolean closed() {
        return CLOSED.equals(status);
    }
}
