package io.rccs.client;

import java.util.Optional;

/**
 * Where a device keeps the credential the server issued in its first {@code welcome} (SPEC 3.4).
 * Every later {@code hello} of that device must carry it: without it the device id is refused with
 * {@code forbidden}, so a store that loses it costs the device its identity.
 *
 * <p>{@link InMemoryCredentialStore} lasts as long as the JVM; {@link FileCredentialStore} keeps it
 * in a file only the owner can read.
 */
public interface CredentialStore {

    /** The stored credential, or empty when this device has none yet. */
    Optional<String> load();

    /** Keeps {@code credential}, replacing any earlier one. */
    void save(String credential);

    /** Forgets the credential (for a device that must register anew). */
    void clear();

    /** A store that keeps the credential in memory only. */
    static CredentialStore inMemory() {
        return new InMemoryCredentialStore();
    }
}
