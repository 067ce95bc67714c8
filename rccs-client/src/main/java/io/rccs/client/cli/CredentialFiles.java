package io.rccs.client.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameCodec;

/**
 * Where the command-line client keeps a device's credential: {@code <directory>/<user>/<deviceId>},
 * one file per device of each user (the same device id under two users is two devices).
 */
public final class CredentialFiles {

    /** Used when the user cannot be told: no {@code --user} and no readable token. */
    static final String UNKNOWN_USER = "_unknown";

    private CredentialFiles() {
    }

    /** {@code ~/.rccs/credentials}. */
    public static Path defaultDirectory() {
        return Path.of(System.getProperty("user.home"), ".rccs", "credentials");
    }

    /** The credential file of {@code deviceId} of {@code user}; both names are made safe as file names. */
    public static Path locate(Path directory, String user, String deviceId) {
        return directory.resolve(pathSegment(user == null || user.isBlank() ? UNKNOWN_USER : user))
                .resolve(pathSegment(deviceId));
    }

    /**
     * A name as one file name, the same on every system: letters, digits, {@code _} and {@code -}
     * stay, everything else (path separators, {@code :}, a leading dot that could make {@code ..})
     * becomes {@code %XX} of its UTF-8 bytes, so that different names never share a file.
     */
    static String pathSegment(String name) {
        StringBuilder safe = new StringBuilder();
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                    || b == '_' || b == '-' || (b == '.' && i > 0);
            if (plain) {
                safe.append((char) b);
            } else {
                safe.append('%').append(String.format("%02X", b));
            }
        }
        return safe.toString();
    }

    /**
     * Who a bearer token (a JWT) was issued to: its {@code preferred_username}, else its
     * {@code sub}. Only read to name a directory: the signature is the gateway's to check.
     */
    public static Optional<String> userOfToken(String token) {
        if (token == null) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.");
        if (parts.length < 2) {
            return Optional.empty();
        }
        try {
            JsonNode claims = FrameCodec.mapper().readTree(Base64.getUrlDecoder().decode(parts[1]));
            for (String claim : new String[] {"preferred_username", "sub"}) {
                JsonNode value = claims.path(claim);
                if (value.isTextual() && !value.textValue().isBlank()) {
                    return Optional.of(value.textValue());
                }
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            // not a JWT we can read
        }
        return Optional.empty();
    }
}
