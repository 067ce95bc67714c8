package io.rccs.client;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.util.Optional;

/**
 * The WebSocket could not be opened. When the server answered the upgrade with an HTTP status other
 * than 101 (for example 401 for a missing or invalid token), the cause is the JDK's
 * {@link WebSocketHandshakeException} and {@link #httpStatus()} returns that status.
 */
public class RccsConnectException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final URI url;
    private final int httpStatus;

    public RccsConnectException(URI url, String message, Throwable cause) {
        super(message, cause);
        this.url = url;
        this.httpStatus = cause instanceof WebSocketHandshakeException handshake && handshake.getResponse() != null
                ? handshake.getResponse().statusCode()
                : -1;
    }

    public URI url() {
        return url;
    }

    /** The HTTP status the server refused the upgrade with, or -1 when no HTTP answer came (refused, timed out). */
    public int httpStatus() {
        return httpStatus;
    }

    /** The JDK's handshake exception, when the server answered the upgrade with an HTTP status. */
    public Optional<WebSocketHandshakeException> handshakeFailure() {
        return getCause() instanceof WebSocketHandshakeException handshake ? Optional.of(handshake) : Optional.empty();
    }
}
