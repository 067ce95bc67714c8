package io.rccs.bench;

/** The benchmark cannot go on (the stack is unreachable, a user cannot log in, ...). */
public class BenchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BenchException(String message) {
        super(message);
    }

    BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
