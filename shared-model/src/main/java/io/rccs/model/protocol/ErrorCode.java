package io.rccs.model.protocol;

/** The error codes of SPEC 3.1, as they appear on the wire in an {@code error} frame. */
public enum ErrorCode {
    BAD_FRAME("bad_frame", false),
    UNKNOWN_TYPE("unknown_type", false),
    TOO_LARGE("too_large", false),
    RATE_LIMITED("rate_limited", true),
    FORBIDDEN("forbidden", false),
    NOT_TRUSTED("not_trusted", false),
    NOT_FOUND("not_found", false),
    CONFLICT("conflict", false),
    NO_CAPABLE_DEVICE("no_capable_device", true),
    UNAVAILABLE("unavailable", true);

    private final String wire;
    private final boolean retryable;

    ErrorCode(String wire, boolean retryable) {
        this.wire = wire;
        this.retryable = retryable;
    }

    public String wire() {
        return wire;
    }

    /** The code with this wire name. */
    public static java.util.Optional<ErrorCode> fromWire(String wire) {
        for (ErrorCode code : values()) {
            if (code.wire.equals(wire)) {
                return java.util.Optional.of(code);
            }
        }
        return java.util.Optional.empty();
    }

    /** Whether the same frame may succeed if sent again later. */
    public boolean retryable() {
        return retryable;
    }
}
