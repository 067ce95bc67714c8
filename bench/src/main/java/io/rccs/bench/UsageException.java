package io.rccs.bench;

/** A flag the benchmark does not understand, or a value it cannot use. */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
