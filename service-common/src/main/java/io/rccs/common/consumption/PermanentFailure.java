package io.rccs.common.consumption;

/** A record that processing can never succeed with, whatever is retried: it goes to the dead letters. */
public class PermanentFailure extends RuntimeException {

    public PermanentFailure(String message) {
        super(message);
    }

    public PermanentFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
