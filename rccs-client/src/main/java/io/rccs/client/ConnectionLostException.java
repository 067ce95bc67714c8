package io.rccs.client;

/**
 * The connection a request went out on was lost before its answer came: the server may or may not
 * have done it. A request whose frame id makes it idempotent can be sent again with the same id.
 */
public class ConnectionLostException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public ConnectionLostException(String message) {
        super(message);
    }
}
