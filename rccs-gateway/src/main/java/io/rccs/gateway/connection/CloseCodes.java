package io.rccs.gateway.connection;

/** WebSocket close codes of SPEC 3 (4000-4999 are free for applications). */
public final class CloseCodes {
    public static final int TOKEN_EXPIRED = 4401;
    /** The device was revoked (its credential no longer works). */
    public static final int REVOKED = 4403;
    public static final int HELLO_TIMEOUT = 4408;
    public static final int REPLACED = 4409;
    public static final int ABUSE = 4429;
    /** The user has as many connections on this gateway as allowed. */
    public static final int TOO_MANY_CONNECTIONS = 4430;
    /** Nothing (no pong, no frame) came from the peer for two heartbeat intervals: it is taken for dead. */
    public static final int HEARTBEAT_MISSED = 4411;
    /** The client read its frames too slowly: too many waited to be written for too long. */
    public static final int SLOW_READER = 4413;
    /** The gateway is stopping (after its {@code reconnect} frames): reconnect to another one. */
    public static final int GOING_AWAY = 1001;
    /** The connection's presence could not be recorded after its welcome: reconnect. */
    public static final int TRY_AGAIN = 1013;

    private CloseCodes() {
    }
}
