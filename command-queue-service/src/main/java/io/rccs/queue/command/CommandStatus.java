package io.rccs.queue.command;

/** The command lifecycle of SPEC 3.3. */
public enum CommandStatus {
    QUEUED, DISPATCHED, DELIVERED, SUCCEEDED, FAILED, CANCELLED, EXPIRED, DEAD;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == EXPIRED || this == DEAD;
    }

    /** Still waiting to reach its device (again, if it was dispatched but never acknowledged). */
    public boolean open() {
        return this == QUEUED || this == DISPATCHED;
    }
}
