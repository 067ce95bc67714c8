package io.rccs.bench;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.FrameCodec;

/**
 * What the bench keeps between runs in {@code <state>/bench/device-credentials.json} (next to the
 * stack's data): the generation of each bench user (logical user {@code bench-07} is the Keycloak user
 * {@code bench-07} in generation 1, {@code bench-07-g2} in generation 2, ...; each start-over moves it
 * to a new one) and the credentials its devices got from their first welcome, so a device registered
 * and paired once says hello with its credential next time instead of pairing again. The file is only
 * a cache: a credential the stack no longer accepts (its database was reset, the file is from another
 * stack) makes the bench start that user over ({@link UserDevices}), and deleting the file does the
 * same for every user (generations already taken in Keycloak are skipped then).
 */
final class CredentialStore {

    static final String FILE = "bench/device-credentials.json";

    private final Path file;
    /** Keycloak user (a generation's name) -> device id -> credential */
    private final Map<String, Map<String, String>> credentials = new TreeMap<>();
    /** logical bench user -> its current generation (absent: 1) */
    private final Map<String, Integer> generations = new TreeMap<>();

    private CredentialStore(Path file) {
        this.file = file;
    }

    /** The store of the stack whose data live in {@code stateDir}; an unreadable file counts as empty. */
    static CredentialStore load(Path stateDir) {
        CredentialStore store = new CredentialStore(stateDir.resolve(FILE));
        if (!Files.isRegularFile(store.file)) {
            return store;
        }
        try {
            JsonNode root = FrameCodec.mapper().readTree(store.file.toFile());
            root.path("generations").fields().forEachRemaining(generation -> {
                if (generation.getValue().canConvertToInt() && generation.getValue().asInt() > 1) {
                    store.generations.put(generation.getKey(), generation.getValue().asInt());
                }
            });
            JsonNode devices = root.path("devices");
            for (Iterator<Map.Entry<String, JsonNode>> users = devices.fields(); users.hasNext();) {
                Map.Entry<String, JsonNode> user = users.next();
                user.getValue().fields().forEachRemaining(device -> {
                    if (device.getValue().isTextual()) {
                        store.put(user.getKey(), device.getKey(), device.getValue().asText());
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            // a damaged file only costs a new registration and pairing of every bench device
            String why = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString());
            System.err.println("[bench] ignoring " + store.file + " (" + why + "): bench devices register anew");
            store.credentials.clear();
            store.generations.clear();
        }
        return store;
    }

    Path file() {
        return file;
    }

    /** The Keycloak user name of a logical bench user's generation: {@code bench-07}, then {@code bench-07-g2}, ... */
    static String account(String user, int generation) {
        if (generation < 1) {
            throw new IllegalArgumentException("generation " + generation);
        }
        return generation == 1 ? user : user + "-g" + generation;
    }

    /** The current generation of a logical bench user: 1 until it is first started over. */
    synchronized int generation(String user) {
        return generations.getOrDefault(user, 1);
    }

    /** The Keycloak user that is the logical bench user's current generation. */
    synchronized String account(String user) {
        return account(user, generation(user));
    }

    synchronized void setGeneration(String user, int generation) {
        if (generation < 1) {
            throw new IllegalArgumentException("generation " + generation);
        }
        if (generation == 1) {
            generations.remove(user);
        } else {
            generations.put(user, generation);
        }
    }

    /** @param user the Keycloak user (a generation's name, see {@link #account(String)}) */
    synchronized String get(String user, String deviceId) {
        return credentials.getOrDefault(user, Map.of()).get(deviceId);
    }

    synchronized void put(String user, String deviceId, String credential) {
        credentials.computeIfAbsent(user, u -> new TreeMap<>()).put(deviceId, credential);
    }

    /** Forgets every credential of the Keycloak user (its devices are revoked, or the user was made anew). */
    synchronized void forget(String user) {
        credentials.remove(user);
    }

    /** Writes the file (owner-only where the file system allows), replacing it in one move. */
    synchronized void save() {
        ObjectNode root = FrameCodec.mapper().createObjectNode();
        root.put("note", "bench users' generations and their devices' credentials on this stack (./rccs bench); "
                + "delete the file to make the bench start every user over as a new Keycloak user");
        ObjectNode byUser = root.putObject("generations");
        generations.forEach(byUser::put);
        ObjectNode users = root.putObject("devices");
        credentials.forEach((user, devices) -> {
            ObjectNode byDevice = users.putObject(user);
            devices.forEach(byDevice::put);
        });
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temporary, FrameCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
            ownerOnly(temporary);
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new BenchException("cannot write the bench device credentials to " + file + ": " + e, e);
        }
    }

    private static void ownerOnly(Path path) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: the state directory's own permissions have to do
        }
    }
}
