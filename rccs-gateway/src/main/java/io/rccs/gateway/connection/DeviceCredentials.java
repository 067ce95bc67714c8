package io.rccs.gateway.connection;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Device credentials (docs/security.md): 256 random bits, base64url. The gateway makes them and
 * hashes what clients present; the relay stores and compares only the SHA-256. A hash of 256 random
 * bits cannot be turned back into the credential, so reading the database does not let anyone
 * speak as a device.
 */
public final class DeviceCredentials {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private DeviceCredentials() {
    }

    public static String newCredential() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return BASE64URL.encodeToString(secret);
    }

    public static String hash(String credential) {
        try {
            return BASE64URL.encodeToString(MessageDigest.getInstance("SHA-256").digest(credential.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
