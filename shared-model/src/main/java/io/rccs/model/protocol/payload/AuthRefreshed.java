package io.rccs.model.protocol.payload;

/** {@code auth.ok}: the answer to {@code auth.refresh}; the connection now lives until {@code expiresAt} (epoch s). */
public record AuthRefreshed(long expiresAt) implements Payload {
}
