package io.tunnel.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
        FileTransaction transaction = new FileTransaction(false, new FailingMover(2));
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
    void aFailedMovePutsBackTheFilesItReplaced() throws IOException {
        Path one = Files.writeString(dir.resolve("one.crt"), "old 1");
        Path two = Files.writeString(dir.resolve("two.key"), "old 2");
        Files.setPosixFilePermissions(two, PkiLayout.KEY_PERMISSIONS);
        Files.setPosixFilePermissions(one, PkiLayout.CERTIFICATE_PERMISSIONS);
        Path three = dir.resolve("three.crt");
        FailingMover mover = new FailingMover(3);
        FileTransaction transaction = new FileTransaction(true, mover);
        transaction.file(one, bytes("new 1"), PkiLayout.CERTIFICATE_PERMISSIONS)
                .file(two, bytes("new 2"), PkiLayout.KEY_PERMISSIONS)
                .file(three, bytes("new 3"), PkiLayout.CERTIFICATE_PERMISSIONS);

        assertThatThrownBy(transaction::commit)
                .isInstanceOf(PkiException.class)
                .hasMessage("cannot move " + three + " into place: disk on fire");
        assertThat(mover.moves).isEqualTo(3);
        assertThat(allFiles(dir)).containsExactlyInAnyOrder(one, two);
        assertThat(Files.readString(one)).isEqualTo("old 1");
        assertThat(Files.readString(two)).isEqualTo("old 2");
        assertThat(mode(one)).isEqualTo("rw-r--r--");
        assertThat(mode(two)).isEqualTo("rw-------");
    }

    @Test
    void replacingLeavesNoLinkToTheOldFiles() throws IOException, PkiException {
        Path one = Files.writeString(dir.resolve("one.crt"), "old 1");

        new FileTransaction(true).file(one, bytes("new 1"), PkiLayout.CERTIFICATE_PERMISSIONS).commit();

        assertThat(allFiles(dir)).containsExactly(one);
        assertThat(Files.readString(one)).isEqualTo("new 1");
        assertThat(Files.getAttribute(one, "unix:nlink")).isEqualTo(1);
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

    /** Moves files into place as the real transaction does, but fails the {@code failing}th move. */
    private static final class FailingMover implements FileTransaction.Mover {
        private final int failing;
        int moves;

        FailingMover(int failing) {
            this.failing = failing;
        }

        @Override
        public void move(Path temporary, Path target) throws IOException {
            if (++moves == failing) {
                throw new IOException("disk on fire");
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    /** Every regular file under {@code dir} with its mode and content, to check that nothing changed. */
    static Map<Path, String> snapshot(Path dir) throws IOException {
        Map<Path, String> files = new TreeMap<>();
        for (Path file : allFiles(dir)) {
            files.put(file, mode(file) + " " + HexFormat.of().formatHex(Files.readAllBytes(file)));
        }
        return files;
    }

    /** Every regular file under {@code dir}, temporary ones included. */
    static List<Path> allFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
