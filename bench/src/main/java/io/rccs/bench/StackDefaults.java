package io.rccs.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** Where the local stack listens, read from the same environment variables as the rccs script. */
final class StackDefaults {

    private StackDefaults() {
    }

    static String host() {
        return env("RCCS_HOST", "127.0.0.1");
    }

    static URI keycloak() {
        return URI.create("http://" + host() + ":" + env("RCCS_KEYCLOAK_PORT", "8180"));
    }

    /** The first two gateways: receivers connect to the first, senders to the second. */
    static List<URI> gateways() {
        String[] ports = env("RCCS_GATEWAY_PORTS", "8080 8081").trim().split("\\s+");
        if (ports.length < 2) {
            throw new UsageException("RCCS_GATEWAY_PORTS names one gateway; the benchmark needs two (or pass --gateways)");
        }
        return List.of(gateway(ports[0]), gateway(ports[1]));
    }

    static Path stateDir(Path repo) {
        String configured = System.getenv("RCCS_STATE_DIR");
        return configured == null || configured.isBlank() ? repo.resolve(".rccs") : Path.of(configured).toAbsolutePath();
    }

    private static URI gateway(String port) {
        return URI.create("ws://" + host() + ":" + port + "/v1/connect");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
