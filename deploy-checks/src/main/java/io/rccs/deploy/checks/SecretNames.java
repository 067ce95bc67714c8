package io.rccs.deploy.checks;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which names hold a secret. A name is secret when one of its words is PASSWORD, SECRET or TOKEN, unless its last
 * word says it is a setting about a secret rather than the secret itself ({@code QUARKUS_OIDC_TOKEN_ISSUER},
 * {@code secretName}, {@code passwordKey}, {@code existingSecret}).
 */
public final class SecretNames {

    private static final Set<String> SECRET_WORDS = Set.of("PASSWORD", "PASSWD", "SECRET", "TOKEN");
    private static final Set<String> SETTING_WORDS = Set.of("NAME", "KEY", "REF", "FILE", "PATH", "ISSUER", "AUDIENCE",
            "TTL", "LIFESPAN", "HEADER", "TYPE", "URL", "URI", "ENABLED");

    private SecretNames() {
    }

    public static boolean isSecret(String name) {
        List<String> words = words(name);
        if (words.isEmpty() || words.stream().noneMatch(SECRET_WORDS::contains)) {
            return false;
        }
        if (words.get(0).equals("EXISTING")) {
            return false; // Helm's convention for "the name of a Secret that already exists"
        }
        return !SETTING_WORDS.contains(words.get(words.size() - 1));
    }

    /** QUARKUS_DATASOURCE_PASSWORD, client-secret, adminToken, quarkus.oidc.credentials.secret: upper-case words. */
    static List<String> words(String name) {
        String spaced = name.replaceAll("([a-z0-9])([A-Z])", "$1 $2");
        return Arrays.stream(spaced.split("[^A-Za-z0-9]+")).filter(w -> !w.isEmpty())
                .map(w -> w.toUpperCase(Locale.ROOT)).toList();
    }
}
