package io.rccs.model.protocol.payload;

import io.rccs.model.protocol.ProtocolException;

/**
 * {@code auth.refresh}: a newer access token for the connection's user, so a long-lived socket need
 * not reconnect when its first token expires. The device stays the one the connection said hello as.
 */
public record AuthRefresh(String token) implements Payload {

    /** Far above any access token Keycloak issues; a bound on what the gateway verifies. */
    public static final int MAX_TOKEN_LENGTH = 16_384;

    @Override
    public void validate() throws ProtocolException {
        Payload.requireText(token, "token", MAX_TOKEN_LENGTH);
    }

    @Override
    public String toString() {
        // a token is a secret: never in a log line
        return "AuthRefresh[token=<" + (token == null ? 0 : token.length()) + " chars>]";
    }
}
