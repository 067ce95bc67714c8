package io.rccs.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameCodec;

/**
 * A bearer token with what a {@link RccsDevice} needs to know to renew it in time: when it expires
 * (the JWT payload's {@code exp}, read without verifying the signature: the gateway verifies, the
 * device only plans) and how long it lived ({@code iat}, else when the device got it). A token
 * that is not a JWT, or has no {@code exp}, has no known expiry. Pure logic.
 *
 * @param expiresAt null when unknown
 */
record AccessToken(String value, Instant expiresAt, Instant issuedAt) {

    AccessToken {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(issuedAt, "issuedAt");
    }

    /** Reads {@code exp} and {@code iat} from a JWT's payload; {@code obtainedAt} stands in for a missing {@code iat}. */
    static AccessToken read(String value, Instant obtainedAt) {
        JsonNode claims = claims(value);
        Instant iat = claims == null ? null : instant(claims.path("iat"));
        return new AccessToken(value, claims == null ? null : instant(claims.path("exp")), iat == null ? obtainedAt : iat);
    }

    /** A NumericDate claim (epoch seconds), or null when missing or not a number. */
    private static Instant instant(JsonNode claim) {
        return claim.isNumber() ? Instant.ofEpochSecond(claim.asLong()) : null;
    }

    private static JsonNode claims(String value) {
        String[] parts = value.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            byte[] json = Base64.getUrlDecoder().decode(parts[1]);
            JsonNode claims = FrameCodec.mapper().readTree(new String(json, StandardCharsets.UTF_8));
            return claims != null && claims.isObject() ? claims : null;
        } catch (IllegalArgumentException | IOException e) {
            return null; // not a JWT: its expiry is unknown
        }
    }

    /** The same token expiring when the server says it does ({@code auth.ok}'s {@code expiresAt}, epoch s; 0 or less: unknown). */
    AccessToken expiringAt(long epochSecond) {
        return epochSecond > 0 ? new AccessToken(value, Instant.ofEpochSecond(epochSecond), issuedAt) : this;
    }

    /**
     * When to renew it: {@code maxMargin} before it expires, or a tenth of its lifetime before when
     * that is less (a token that lives a minute is renewed 6 s ahead, not after half its life).
     * Null when its expiry is unknown.
     */
    Instant refreshAt(Duration maxMargin) {
        if (expiresAt == null) {
            return null;
        }
        Duration lifetime = Duration.between(issuedAt, expiresAt);
        Duration tenth = lifetime.isNegative() ? Duration.ZERO : lifetime.dividedBy(10);
        return expiresAt.minus(tenth.compareTo(maxMargin) < 0 ? tenth : maxMargin);
    }

    /** Known to stay valid past {@code now} by more than the renewal margin: good for opening a connection with. */
    boolean freshAt(Instant now, Duration maxMargin) {
        Instant refreshAt = refreshAt(maxMargin);
        return refreshAt != null && now.isBefore(refreshAt);
    }

    /** Whether it lives longer than {@code other} (true when either expiry is unknown: only the server can tell then). */
    boolean outlives(AccessToken other) {
        if (value.equals(other.value)) {
            return false;
        }
        return expiresAt == null || other.expiresAt == null || expiresAt.isAfter(other.expiresAt);
    }

    @Override
    public String toString() {
        // a token is a secret: never in a log line
        return "AccessToken[<" + value.length() + " chars>, expiresAt=" + expiresAt + ", issuedAt=" + issuedAt + "]";
    }
}
