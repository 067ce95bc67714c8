package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code handoff.done}: how a handoff ended. {@code accepted} true: ownership moved from
 * {@code from} to {@code owner} at {@code version} ({@code reason} {@code handoff}, or
 * {@code failover} when the owner was gone for longer than the grace period). {@code accepted}
 * false: the owner is unchanged ({@code reason} {@code rejected}, {@code timeout},
 * {@code superseded} when the session closed meanwhile). {@code to}: the device the offer was made
 * to (for a failover, the new owner), so that an owner with several requests over time knows which
 * one ended.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HandoffDone(String session, String owner, String from, String to, long version, boolean accepted, String reason)
        implements Payload {

    /** Without {@code to} (as before it existed). */
    public HandoffDone(String session, String owner, String from, long version, boolean accepted, String reason) {
        this(session, owner, from, null, version, accepted, reason);
    }

    public static final String HANDOFF = "handoff";
    public static final String FAILOVER = "failover";
    public static final String REJECTED = "rejected";
    public static final String TIMEOUT = "timeout";
    public static final String SUPERSEDED = "superseded";
}
