package io.rccs.deploy.checks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A deliberately simple scan of the files under k8s/ and deploy/helm/ for a secret written as a literal, including
 * values files and generator inputs that no render shows. It looks at one line at a time: a YAML/JSON key
 * ({@code password: x}, {@code "clientSecret": "x"}) or a properties/env-file key ({@code DB_PASSWORD=x}) whose name
 * {@link SecretNames#isSecret is secret}, with a value that is not a reference. References are: nothing (the value is a
 * nested map or list on the next lines), an empty string, null, a boolean (a switch such as
 * {@code automountServiceAccountToken: false}), a Helm template {@code {{ }}}, a placeholder
 * {@code ${...}} or {@code $(VAR)}, a YAML anchor or alias, or the start of a JSON object or array (a schema entry).
 * It does not parse the files, so it can miss a secret split over lines; the rendered checks cover those.
 */
public final class SecretScan {

    private static final Pattern YAML_KEY = Pattern.compile("^\\s*(?:-\\s+)?[\"']?([A-Za-z0-9_.\\-]+)[\"']?\\s*:(?:\\s+|$)(.*)$");
    private static final Pattern ENV_KEY = Pattern.compile("^\\s*([A-Za-z0-9_.\\-]+)\\s*=(.*)$");
    private static final List<String> SCANNED = List.of(".yaml", ".yml", ".json", ".tpl", ".env", ".properties");

    private SecretScan() {
    }

    public static List<String> scan(Path root, List<Path> dirs) {
        List<String> violations = new ArrayList<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(Files::isRegularFile).filter(SecretScan::scanned).sorted().toList()) {
                    scanFile(root, file, violations);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return violations;
    }

    private static boolean scanned(Path file) {
        String name = file.getFileName().toString();
        return SCANNED.stream().anyMatch(name::endsWith) && file.toString().indexOf("/target/") < 0;
    }

    private static void scanFile(Path root, Path file, List<String> violations) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        boolean envStyle = file.toString().endsWith(".env") || file.toString().endsWith(".properties");
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("#")) {
                continue;
            }
            Matcher m = (envStyle ? ENV_KEY : YAML_KEY).matcher(line);
            if (m.matches() && SecretNames.isSecret(m.group(1)) && !isReference(m.group(2))) {
                violations.add(root.relativize(file) + ":" + (i + 1) + ": literal value for " + m.group(1));
            }
        }
    }

    static boolean isReference(String rawValue) {
        String value = rawValue.strip();
        int comment = value.indexOf(" #");
        if (comment >= 0) {
            value = value.substring(0, comment).strip();
        }
        if (value.endsWith(",")) {
            value = value.substring(0, value.length() - 1).strip();
        }
        String unquoted = value.replaceAll("^([\"'])(.*)\\1$", "$2");
        if (unquoted.equals("true") || unquoted.equals("false")) {
            return true;
        }
        return value.isEmpty() || value.equals("\"\"") || value.equals("''") || value.equals("null") || value.equals("~")
                || value.startsWith("{") || value.startsWith("[") || value.startsWith("\"{{") || value.startsWith("'{{")
                || value.startsWith("${") || value.startsWith("\"${") || value.startsWith("$(") || value.startsWith("\"$(")
                || value.startsWith("*") || value.startsWith("&");
    }
}
