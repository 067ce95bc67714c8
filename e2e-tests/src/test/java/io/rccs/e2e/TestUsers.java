package io.rccs.e2e;

import java.net.URI;
import java.security.SecureRandom;
import java.util.HexFormat;

import io.rccs.bench.KeycloakUsers;

/**
 * Users made for one test through the Keycloak admin API (password = name, role rccs-user). Only
 * the first device a user ever registers trusts itself, so a test that needs a trusted device
 * starts from a user nobody has used. The admin account is $RCCS_E2E_KEYCLOAK_ADMIN /
 * $RCCS_E2E_KEYCLOAK_ADMIN_PASSWORD (the local stack's admin/admin by default).
 */
final class TestUsers {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final KeycloakUsers KEYCLOAK = new KeycloakUsers(
            URI.create(Stack.oidc().replaceFirst("/realms/[^/]+/?$", "")),
            env("RCCS_E2E_KEYCLOAK_ADMIN", "admin"), env("RCCS_E2E_KEYCLOAK_ADMIN_PASSWORD", "admin"));

    private TestUsers() {
    }

    /** A new user named {@code e2e-<prefix>-<random>}, able to log in. */
    static String fresh(String prefix) {
        byte[] random = new byte[4];
        RANDOM.nextBytes(random);
        String user = "e2e-" + prefix + "-" + HexFormat.of().formatHex(random);
        KEYCLOAK.tokenFor(user);
        return user;
    }

    /** A token of the user (cached for a minute). */
    static String token(String user) {
        return Devices.token(user);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
