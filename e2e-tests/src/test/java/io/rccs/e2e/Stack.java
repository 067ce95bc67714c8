package io.rccs.e2e;

import java.net.URI;
import java.util.Arrays;
import java.util.List;

import io.rccs.client.TokenClient;

/**
 * Where the live stack is: the gateways' WebSocket URLs ({@code rccs.gateway.urls}, comma-separated,
 * or $RCCS_E2E_GATEWAYS) and the OIDC issuer ({@code rccs.oidc.url} or $RCCS_E2E_OIDC), with the
 * local stack's defaults.
 */
final class Stack {

    static final String DEFAULT_GATEWAYS = "ws://127.0.0.1:8080/v1/connect,ws://127.0.0.1:8081/v1/connect";
    static final String DEFAULT_OIDC = "http://127.0.0.1:8180/realms/rccs";
    static final String CLIENT_ID = "rccs-cli";

    /** The test users of the local realm, each with a password equal to the name. */
    static final String ALICE = "alice";
    static final String BOB = "bob";

    private static final List<URI> GATEWAYS = Arrays.stream(setting("rccs.gateway.urls", "RCCS_E2E_GATEWAYS", DEFAULT_GATEWAYS)
            .split(","))
            .map(String::trim)
            .filter(url -> !url.isEmpty())
            .map(URI::create)
            .toList();
    private static final String OIDC = setting("rccs.oidc.url", "RCCS_E2E_OIDC", DEFAULT_OIDC);

    private Stack() {
    }

    /** Gateway {@code index} (0 = the first, port 8080 locally; 1 = the second, 8081). */
    static URI gateway(int index) {
        if (index >= GATEWAYS.size()) {
            throw new IllegalStateException("the test needs gateway #" + (index + 1) + " but only " + GATEWAYS + " are configured");
        }
        return GATEWAYS.get(index);
    }

    static List<URI> gateways() {
        return GATEWAYS;
    }

    static String oidc() {
        return OIDC;
    }

    /** A fresh access token for a test user. */
    static String token(String user) {
        return TokenClient.passwordGrant(OIDC, CLIENT_ID, user, user);
    }

    /** A system property, else an environment variable, else the default; unresolved Maven ${...} counts as unset. */
    private static String setting(String property, String env, String fallback) {
        for (String value : new String[] {System.getProperty(property), System.getenv(env)}) {
            if (value != null && !value.isBlank() && !value.contains("${")) {
                return value.trim();
            }
        }
        return fallback;
    }
}
