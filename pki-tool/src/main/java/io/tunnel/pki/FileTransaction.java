package io.tunnel.pki;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a set of files all or nothing, each with its permissions, creating their directories as needed.
 *
 * <p>{@link #commit()} first checks every target (absent unless overwriting, under a writable directory), then
 * creates the missing directories, then writes every file to a temporary file in its target's directory (created
 * with the final permissions, so a key is never readable by others, and synced to disk), and only then moves
 * each into place with an atomic rename. If any step fails, it deletes what it created: temporary files, new
 * files and new (empty) directories. A file replaced before the failure stays replaced; since renames come last,
 * after every write has succeeded, that takes a failing rename.
 */
final class FileTransaction {

    /** Permissions of directories created on the way to a registered one. */
    private static final Set<PosixFilePermission> ANCESTOR_PERMISSIONS = PkiLayout.PRIVATE_DIR_PERMISSIONS;

    /** Moves a written temporary file into place; a seam for tests. */
    @FunctionalInterface
    interface Mover {
        void move(Path temporary, Path target) throws IOException;
    }

    private record Content(byte[] bytes, Set<PosixFilePermission> permissions) {
    }

    private final boolean overwrite;
    private final Mover mover;
    private final Map<Path, Set<PosixFilePermission>> directories = new LinkedHashMap<>();
    private final Map<Path, Content> files = new LinkedHashMap<>();

    /** A transaction that replaces existing files only if {@code overwrite}. */
    FileTransaction(boolean overwrite) {
        this(overwrite, (temporary, target) -> Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE));
    }

    FileTransaction(boolean overwrite, Mover mover) {
        this.overwrite = overwrite;
        this.mover = mover;
    }

    /** Registers a directory to create with {@code permissions} if it is missing; existing ones stay as they are. */
    FileTransaction directory(Path dir, Set<PosixFilePermission> permissions) {
        directories.putIfAbsent(dir, permissions);
        return this;
    }

    /** Registers a file to write with {@code permissions}. */
    FileTransaction file(Path file, byte[] bytes, Set<PosixFilePermission> permissions) {
        if (files.putIfAbsent(file, new Content(bytes.clone(), permissions)) != null) {
            throw new IllegalArgumentException("file staged twice: " + file);
        }
        return this;
    }

    /**
     * Checks that each target can be written: it is absent (or, when overwriting, not a directory), and its
     * nearest existing ancestor is a writable directory.
     *
     * @throws PkiException naming the first target that cannot be written
     */
    void checkTargets(Collection<Path> targets) throws PkiException {
        for (Path target : targets) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                if (!overwrite) {
                    throw new PkiException(target + " already exists (use --force to replace it)");
                }
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new PkiException(target + " is a directory");
                }
            }
            Path ancestor = nearestExisting(target.toAbsolutePath().getParent());
            if (!Files.isDirectory(ancestor)) {
                throw new PkiException("cannot create " + target + ": " + ancestor + " is not a directory");
            }
            if (!Files.isWritable(ancestor)) {
                throw new PkiException("cannot create " + target + ": directory " + ancestor + " is not writable");
            }
        }
    }

    /**
     * Writes every registered file, or none.
     *
     * @return the files written, in registration order
     * @throws PkiException naming what failed, after undoing what this call created
     */
    List<Path> commit() throws PkiException {
        checkTargets(files.keySet());
        List<Path> createdDirectories = new ArrayList<>();
        Map<Path, Path> temporaries = new LinkedHashMap<>();
        List<Path> createdFiles = new ArrayList<>();
        try {
            for (Map.Entry<Path, Set<PosixFilePermission>> dir : directories.entrySet()) {
                createDirectory(dir.getKey(), dir.getValue(), createdDirectories);
            }
            for (Map.Entry<Path, Content> file : files.entrySet()) {
                Path parent = file.getKey().toAbsolutePath().getParent();
                createDirectory(parent, ANCESTOR_PERMISSIONS, createdDirectories);
                temporaries.put(file.getKey(), writeTemporary(file.getKey(), file.getValue()));
            }
            for (Map.Entry<Path, Path> file : temporaries.entrySet()) {
                Path target = file.getKey();
                boolean existed = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
                try {
                    mover.move(file.getValue(), target);
                } catch (IOException e) {
                    throw PkiException.of("cannot move " + target + " into place", e);
                }
                if (!existed) {
                    createdFiles.add(target);
                }
            }
            return List.copyOf(files.keySet());
        } catch (PkiException e) {
            temporaries.values().forEach(FileTransaction::deleteQuietly);
            createdFiles.forEach(FileTransaction::deleteQuietly);
            for (int i = createdDirectories.size() - 1; i >= 0; i--) {
                deleteQuietly(createdDirectories.get(i));
            }
            throw e;
        }
    }

    /** Creates {@code dir} and its missing ancestors, recording each one created. */
    private static void createDirectory(Path dir, Set<PosixFilePermission> permissions, List<Path> created)
            throws PkiException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            createDirectory(parent, ANCESTOR_PERMISSIONS, created);
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(permissions));
            created.add(dir);
            Files.setPosixFilePermissions(dir, permissions);
        } catch (IOException e) {
            throw PkiException.of("cannot create directory " + dir, e);
        }
    }

    /** Writes {@code content} to a new temporary file beside {@code target}, synced to disk. */
    private static Path writeTemporary(Path target, Content content) throws PkiException {
        Path dir = target.toAbsolutePath().getParent();
        Path temporary;
        try {
            temporary = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(content.permissions()));
        } catch (IOException e) {
            throw PkiException.of("cannot write " + target, e);
        }
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            Files.setPosixFilePermissions(temporary, content.permissions());
            ByteBuffer bytes = ByteBuffer.wrap(content.bytes());
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
            return temporary;
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw PkiException.of("cannot write " + target, e);
        }
    }

    private static Path nearestExisting(Path path) {
        Path current = path;
        while (current != null && !Files.exists(current)) {
            current = current.getParent();
        }
        return current != null ? current : path.getRoot();
    }

    /** Best effort: a rollback step that fails must not hide the failure being rolled back. */
    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a directory someone else filled meanwhile, or already gone: leave it
        }
    }
}
