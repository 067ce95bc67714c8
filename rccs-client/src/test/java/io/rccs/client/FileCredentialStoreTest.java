package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCredentialStoreTest {

    @TempDir
    Path temp;

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    @Test
    void roundTrip() {
        FileCredentialStore store = new FileCredentialStore(temp.resolve("alice/laptop"));
        assertThat(store.load()).isEmpty();
        store.save("abc_DEF-123");
        assertThat(store.load()).contains("abc_DEF-123");
        assertThat(new FileCredentialStore(temp.resolve("alice/laptop")).load()).as("another process").contains("abc_DEF-123");
        store.save("second");
        assertThat(store.load()).contains("second");
        store.clear();
        assertThat(store.load()).isEmpty();
        store.clear(); // nothing there: fine
    }

    @Test
    void theFileIsOwnerReadWriteOnlyAndANewDirectoryOwnerOnly() throws Exception {
        assumeTrue(posix(temp), "POSIX file system");
        Path file = temp.resolve("credentials/alice/laptop");
        new FileCredentialStore(file).save("secret");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(temp.resolve("credentials"))))
                .isEqualTo("rwx------");
    }

    @Test
    void savingOverAFileOthersCouldReadLeavesItPrivate() throws Exception {
        assumeTrue(posix(temp), "POSIX file system");
        Path file = temp.resolve("laptop");
        Files.writeString(file, "old\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        FileCredentialStore store = new FileCredentialStore(file);
        assertThat(store.load()).contains("old"); // still readable; a warning is logged
        store.save("new");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(store.load()).contains("new");
    }

    @Test
    void leavesNoTemporaryFilesBehind() throws Exception {
        FileCredentialStore store = new FileCredentialStore(temp.resolve("d"));
        store.save("one");
        store.save("two");
        try (Stream<Path> files = Files.list(temp)) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactly("d");
        }
        assertThat(Files.readString(temp.resolve("d"), StandardCharsets.UTF_8)).isEqualTo("two\n");
    }

    @Test
    void anEmptyFileHoldsNoCredential() throws Exception {
        Files.writeString(temp.resolve("empty"), " \n");
        assertThat(new FileCredentialStore(temp.resolve("empty")).load()).isEmpty();
    }

    @Test
    void aRelativePathIsResolvedOnce() {
        FileCredentialStore store = new FileCredentialStore(Path.of("relative-credential"));
        assertThat(store.file()).isAbsolute();
    }

    @Test
    void refusesWhatIsNoCredential() {
        FileCredentialStore store = new FileCredentialStore(temp.resolve("x"));
        assertThatThrownBy(() -> store.save(" padded ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.save("two\nlines")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.save("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.load()).isEmpty();
    }

    @Test
    void aFileSystemWithoutPosixPermissionsStillWorks() throws Exception {
        URI zip = URI.create("jar:" + temp.resolve("store.zip").toUri());
        try (FileSystem zipFs = FileSystems.newFileSystem(zip, Map.of("create", "true"))) {
            Path file = zipFs.getPath("/credentials/alice/laptop");
            assumeTrue(!posix(file));
            FileCredentialStore store = new FileCredentialStore(file);
            store.save("zipped");
            assertThat(store.load()).contains("zipped");
            store.save("again");
            assertThat(store.load()).contains("again");
            store.clear();
            assertThat(store.load()).isEmpty();
        }
    }

    @Test
    void theInMemoryStoreForgetsOnClear() {
        CredentialStore store = CredentialStore.inMemory();
        assertThat(store.load()).isEmpty();
        store.save("c");
        assertThat(store.load()).contains("c");
        store.clear();
        assertThat(store.load()).isEmpty();
        assertThat(new InMemoryCredentialStore("seed").load()).contains("seed");
        assertThat(store.toString()).doesNotContain("c]");
    }
}
