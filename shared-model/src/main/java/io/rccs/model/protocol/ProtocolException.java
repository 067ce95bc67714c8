package io.rccs.model.protocol;

/**
 * A client frame that cannot be accepted. Carries what the server needs for the {@code error} frame:
 * the code, a human-readable message and, when the frame's id could be read, the id to answer.
 */
public class ProtocolException extends Exception {

    private final ErrorCode code;
    private final String corr;

    public ProtocolException(ErrorCode code, String message, String corr) {
        super(message, null, false, false); // expected on bad input: no stack trace needed
        this.code = code;
        this.corr = corr;
    }

    public ProtocolException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public ErrorCode code() {
        return code;
    }

    /** The id of the offending frame, or null when it could not be read. */
    public String corr() {
        return corr;
    }

    public ProtocolException withCorr(String corr) {
        return new ProtocolException(code, getMessage(), corr);
    }
}
