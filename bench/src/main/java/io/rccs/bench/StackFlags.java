package io.rccs.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The flags every benchmark takes: where the repository, the stack and the results are. */
final class StackFlags {

    /** Their lines of a benchmark's usage text (the closing quotes set the indentation). */
    static final String USAGE = """
              --repo .                     the repository root (for .rccs and a relative --out)
              --gateways URL0,URL1         the two gateways (default ws://$RCCS_HOST:<first two RCCS_GATEWAY_PORTS>/v1/connect)
              --keycloak URL               Keycloak base URL (default http://$RCCS_HOST:$RCCS_KEYCLOAK_PORT)
              --state-dir DIR              the stack's state: pids/*.pid, and bench/device-credentials.json kept
                                           by the bench (default $RCCS_STATE_DIR or <repo>/.rccs)
              --admin-user admin --admin-password admin   Keycloak admin, to create bench users (missing ones,
                                           and a new one each time a user starts over)
            """.stripTrailing();

    private final String defaultOut;
    private String repo = ".";
    private String out;
    private URI keycloak;
    private List<URI> gateways;
    private String stateDir;
    private String adminUser = "admin";
    private String adminPassword = "admin";

    StackFlags(String defaultOut) {
        this.defaultOut = defaultOut;
    }

    /** Takes the flag if it is one of these; false leaves it to the benchmark. */
    boolean accept(Flags.Flag flag) {
        String value = flag.value();
        switch (flag.name()) {
            case "--repo" -> repo = value;
            case "--out" -> out = value;
            case "--keycloak" -> keycloak = URI.create(stripSlash(value));
            case "--gateways" -> {
                gateways = Arrays.stream(value.split(",")).map(String::trim).map(URI::create).toList();
                if (gateways.size() != 2) {
                    throw new UsageException("--gateways needs exactly two URLs");
                }
            }
            case "--state-dir" -> stateDir = value;
            case "--admin-user" -> adminUser = value;
            case "--admin-password" -> adminPassword = value;
            default -> {
                return false;
            }
        }
        return true;
    }

    Path repo() {
        return Path.of(repo).toAbsolutePath().normalize();
    }

    /** {@code --out}, relative to the repository unless absolute. */
    Path out() {
        Path outDir = Path.of(out != null ? out : defaultOut);
        return outDir.isAbsolute() ? outDir : repo().resolve(outDir);
    }

    URI keycloak() {
        return keycloak != null ? keycloak : StackDefaults.keycloak();
    }

    List<URI> gateways() {
        return gateways != null ? gateways : StackDefaults.gateways();
    }

    Path stateDir() {
        return stateDir != null ? Path.of(stateDir).toAbsolutePath() : StackDefaults.stateDir(repo());
    }

    String adminUser() {
        return adminUser;
    }

    String adminPassword() {
        return adminPassword;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
