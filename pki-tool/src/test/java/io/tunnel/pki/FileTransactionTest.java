package io.tunnel.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTransactionTest {

    @TempDir
    Path dir;

    @Test
    void writesEveryFileWithItsPermissionsAndLeavesNoTemporaryFile() throws Exception {
        Path base = dir.resolve("a/b");
        List<Path> written = new FileTransaction(false)
                .directory(base, PkiLayout.PRIVATE_DIR_PERMISSIONS)
                .directory(base.resolve("issued"), PkiLayout.ISSUED_DIR_PERMISSIONS)
                .file(base.resolve("issued/x.crt"), bytes("cert"), PkiLayout.CERTIFICATE_PERMISSIONS)
                .file(base.resolve("x.key"), bytes("key"), PkiLayout.KEY_PERMISSIONS)
                .commit();

        assertThat(written).containsExactly(base.resolve("issued/x.crt"), base.resolve("x.key"));
        assertThat(Files.readString(base.resolve("issued/x.crt"))).isEqualTo("cert");
        assertThat(mode(base.resolve("x.key"))).isEqualTo("rw-------");
        assertThat(mode(base.resolve("issued/x.crt"))).isEqualTo("rw-r--r--");
        assertThat(mode(base)).isEqualTo("rwx------");
        assertThat(mode(dir.resolve("a"))).as("ancestor created on the way").isEqualTo("rwx------");
        assertThat(mode(base.resolve("issued"))).isEqualTo("rwxr-xr-x");
        assertThat(allFiles(dir)).containsExactlyInAnyOrder(base.resolve("issued/x.crt"), base.resolve("x.key"));
    }

    @Test
    void aFailedMoveUndoesEverythingThisCommitCreated() throws IOException {
        Path existing = Files.writeString(dir.resolve("existing.txt"), "kept");
        Path base = dir.resolve("new");
        int[] moves = {0};
        FileTransaction transaction = new FileTransaction(false, (temporary, target) -> {
            if (++moves[0] == 2) {
                throw new IOException("disk on fire");
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        });
        transaction.directory(base, PkiLayout.PRIVATE_DIR_PERMISSIONS)
                .file(base.resolve("one"), bytes("1"), PkiLayout.KEY_PERMISSIONS)
                .file(base.resolve("two"), bytes("2"), PkiLayout.KEY_PERMISSIONS);

        assertThatThrownBy(transaction::commit)
                .isInstanceOf(PkiException.class)
                .hasMessage("cannot move " + base.resolve("two") + " into place: disk on fire");
        assertThat(allFiles(dir)).containsExactly(existing);
        assertThat(base).doesNotExist();
        assertThat(Files.readString(existing)).isEqualTo("kept");
    }

    @Test
    void refusesExistingFilesUnlessOverwriting() throws Exception {
        Path target = Files.writeString(dir.resolve("x.crt"), "old");

        assertThatThrownBy(() -> new FileTransaction(false).file(target, bytes("new"), PkiLayout.KEY_PERMISSIONS)
                .commit())
                .isInstanceOf(PkiException.class)
                .hasMessage(target + " already exists (use --force to replace it)");
        assertThat(Files.readString(target)).isEqualTo("old");

        new FileTransaction(true).file(target, bytes("new"), PkiLayout.KEY_PERMISSIONS).commit();
        assertThat(Files.readString(target)).isEqualTo("new");
        assertThat(mode(target)).isEqualTo("rw-------");
        assertThat(allFiles(dir)).containsExactly(target);
    }

    @Test
    void refusesToReplaceADirectory() throws Exception {
        Path target = Files.createDirectory(dir.resolve("x.crt"));

        assertThatThrownBy(() -> new FileTransaction(true).file(target, bytes("x"), PkiLayout.KEY_PERMISSIONS)
                .commit())
                .isInstanceOf(PkiException.class)
                .hasMessage(target + " is a directory");
    }

    @Test
    void failsUnderARegularFileEvenForRoot() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path target = file.resolve("certs/x.crt");

        assertThatThrownBy(() -> new FileTransaction(false)
                .directory(file.resolve("certs"), PkiLayout.PRIVATE_DIR_PERMISSIONS)
                .file(target, bytes("x"), PkiLayout.KEY_PERMISSIONS)
                .commit())
                .isInstanceOf(PkiException.class)
                .hasMessage("cannot create " + target + ": " + file + " is not a directory");
        assertThat(allFiles(dir)).containsExactly(file);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    /** Every regular file under {@code dir}, temporary ones included. */
    static List<Path> allFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
