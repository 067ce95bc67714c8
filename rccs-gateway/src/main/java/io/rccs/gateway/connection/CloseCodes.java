package io.rccs.gateway.connection;

/** WebSocket close codes of SPEC 3 (4000-4999 are free for applications). */
public final class CloseCodes {
    public static final int TOKEN_EXPIRED = 4401;
    public static final int HELLO_TIMEOUT = 4408;
    public static final int REPLACED = 4409;
    public static final int ABUSE = 4429;

    private CloseCodes() {
    }
}
