package io.rccs.client;

import java.util.Objects;
import java.util.Optional;

/**
 * Keeps a device credential for the life of this object: enough for a device that reconnects in the
 * same JVM, gone when the process ends. Thread-safe.
 */
public final class InMemoryCredentialStore implements CredentialStore {

    private volatile String credential;

    public InMemoryCredentialStore() {
    }

    /** Starts out holding {@code credential} (for example one read from elsewhere). */
    public InMemoryCredentialStore(String credential) {
        this.credential = credential;
    }

    @Override
    public Optional<String> load() {
        return Optional.ofNullable(credential);
    }

    @Override
    public void save(String credential) {
        this.credential = Objects.requireNonNull(credential, "credential");
    }

    @Override
    public void clear() {
        credential = null;
    }

    @Override
    public String toString() {
        return "InMemoryCredentialStore[" + (credential == null ? "empty" : "holding a credential") + "]";
    }
}
