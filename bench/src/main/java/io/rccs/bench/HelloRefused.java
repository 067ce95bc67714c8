package io.rccs.bench;

/** The server answered a device's {@code hello} with an {@code error} instead of {@code welcome}. */
final class HelloRefused extends BenchException {

    private static final long serialVersionUID = 1L;

    private final String code;

    HelloRefused(String label, String code, String reason) {
        super(label + ": hello refused (" + code + "): " + reason);
        this.code = code;
    }

    /** The error code on the wire: {@code forbidden} for a missing, wrong or revoked credential. */
    String code() {
        return code;
    }

    /** Worth the same hello again shortly (the relay was busy), as opposed to a verdict on the device. */
    boolean retryable() {
        return code.equals("unavailable") || code.equals("rate_limited");
    }
}
