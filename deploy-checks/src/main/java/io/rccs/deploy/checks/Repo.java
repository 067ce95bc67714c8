package io.rccs.deploy.checks;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's deployable parts are: the surefire configuration passes the root as {@code rccs.root}. */
public final class Repo {

    private Repo() {
    }

    /** The repository root: {@code -Drccs.root}, else the first parent of the working directory that holds deploy/topics.conf. */
    public static Path root() {
        String configured = System.getProperty("rccs.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("deploy/topics.conf"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the repository root (deploy/topics.conf); set -Drccs.root");
    }

    public static Path kustomizeOverlay(String overlay) {
        return root().resolve("k8s/overlays").resolve(overlay);
    }

    public static Path chart() {
        return root().resolve("deploy/helm/rccs");
    }

    public static Path topicsConf() {
        return root().resolve("deploy/topics.conf");
    }
}
