package io.rccs.bench;

import java.io.IOException;
import java.time.Instant;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameCodec;

/**
 * An OIDC access token ({@link #value()}, the JWT to send as {@code Authorization: Bearer ...}) and when it
 * expires (read from its own {@code exp} claim).
 */
public record AccessToken(String value, Instant expiresAt) {

    /** Reads {@code exp} without checking the signature: the gateway does that, we only plan reconnects. */
    public static AccessToken of(String jwt) {
        String[] parts = jwt.split("\\.");
        Instant expiresAt = Instant.MAX;
        if (parts.length >= 2) {
            try {
                JsonNode claims = FrameCodec.mapper().readTree(Base64.getUrlDecoder().decode(parts[1]));
                if (claims != null && claims.path("exp").canConvertToLong()) {
                    expiresAt = Instant.ofEpochSecond(claims.path("exp").asLong());
                }
            } catch (IOException | IllegalArgumentException e) {
                // not a JWT we can read: treat it as long-lived, a 4401 close will tell otherwise
            }
        }
        return new AccessToken(jwt, expiresAt);
    }

    public boolean expiresBefore(Instant moment) {
        return expiresAt.isBefore(moment);
    }
}
