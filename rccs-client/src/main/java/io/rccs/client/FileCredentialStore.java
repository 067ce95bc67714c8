package io.rccs.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps a device credential in one file that only its owner may read and write (POSIX mode 0600),
 * like an SSH private key.
 *
 * <p>{@link #save} never lets the credential sit in a file with wider permissions, not even for a
 * moment, and never leaves a half-written file: it writes a temporary file that is created 0600 in
 * the same directory, flushes it to disk and renames it over the old one (atomically where the file
 * system can). A missing directory is created owner-only (0700). On a file system without POSIX
 * permissions (Windows) the file gets an ACL that allows only its owner, where ACLs exist, and is
 * written as it is elsewhere.
 *
 * <p>Thread-safe within one JVM; two processes sharing one file each see the last complete save.
 */
public final class FileCredentialStore implements CredentialStore {

    private static final System.Logger LOG = System.getLogger(FileCredentialStore.class.getName());
    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private final Path file;

    /** A store for the credential in {@code file}; nothing is read or written until used. */
    public FileCredentialStore(Path file) {
        // absolute, so that the file always has a parent directory to put the temporary file in
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath();
    }

    /** Where the credential is kept. */
    public Path file() {
        return file;
    }

    @Override
    public synchronized Optional<String> load() {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the device credential in " + file, e);
        }
        warnIfOthersMayRead();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    @Override
    public synchronized void save(String credential) {
        Objects.requireNonNull(credential, "credential");
        if (credential.isBlank() || credential.strip().length() != credential.length() || credential.contains("\n")) {
            throw new IllegalArgumentException("a credential is one word without surrounding space");
        }
        Path directory = file.getParent();
        boolean posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
        try {
            if (posix) {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
            } else {
                Files.createDirectories(directory);
            }
            Path temporary = posix
                    ? Files.createTempFile(directory, "." + file.getFileName() + ".", ".tmp",
                            PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE))
                    : Files.createTempFile(directory, "." + file.getFileName() + ".", ".tmp");
            try {
                if (posix) {
                    // a umask can only take bits away, but an odd one (0277) could leave it unwritable
                    Files.setPosixFilePermissions(temporary, OWNER_READ_WRITE);
                } else {
                    allowOnlyTheOwner(temporary);
                }
                writeDurably(temporary, credential + "\n");
                moveIntoPlace(temporary);
            } finally {
                Files.deleteIfExists(temporary); // left over only when writing or moving failed
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the device credential in " + file, e);
        }
    }

    @Override
    public synchronized void clear() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the device credential " + file, e);
        }
    }

    @Override
    public String toString() {
        return "FileCredentialStore[" + file + "]";
    }

    /** Written and forced to disk before the rename, so a crash leaves the old file or the new one, whole. */
    private static void writeDurably(Path target, String text) throws IOException {
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
    }

    private void moveIntoPlace(Path temporary) throws IOException {
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | UnsupportedOperationException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Windows and other ACL file systems: one entry, for the owner; elsewhere nothing can be done. */
    private static void allowOnlyTheOwner(Path target) {
        AclFileAttributeView acl = Files.getFileAttributeView(target, AclFileAttributeView.class);
        if (acl == null) {
            LOG.log(System.Logger.Level.DEBUG, "no permissions to restrict on {0}", target);
            return;
        }
        try {
            UserPrincipal owner = acl.getOwner();
            acl.setAcl(List.of(AclEntry.newBuilder()
                    .setType(AclEntryType.ALLOW)
                    .setPrincipal(owner)
                    .setPermissions(EnumSet.allOf(AclEntryPermission.class))
                    .build()));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot restrict {0} to its owner: {1}", target, e.getMessage());
        }
    }

    private void warnIfOthersMayRead() {
        try {
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                    LOG.log(System.Logger.Level.WARNING, "the device credential {0} may be read by others ({1}): chmod 600 it",
                            file, PosixFilePermissions.toString(permissions));
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            // only a warning was at stake
        }
    }
}
