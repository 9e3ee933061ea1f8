package io.tunnel.pki;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
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
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a set of files all or nothing, each with its permissions, creating their directories as needed.
 *
 * <p>{@link #commit()} first checks every target (absent unless overwriting, under a writable directory), then
 * creates the missing directories, then writes every file to a temporary file in its target's directory (created
 * with the final permissions, so a key is never readable by others, and synced to disk), keeps a hard link to each
 * file about to be replaced, and only then moves each into place with an atomic rename. If any step fails, it
 * undoes what it did: it renames the kept links back over the files it replaced and deletes what it created
 * (temporary files, new files and new, empty directories). On success it drops the kept links.
 */
final class FileTransaction {

    /** Permissions of directories created on the way to a registered one. */
    private static final Set<PosixFilePermission> ANCESTOR_PERMISSIONS = PkiLayout.PRIVATE_DIR_PERMISSIONS;
    /** How many random names a kept link may try before giving up. */
    private static final int MAX_LINK_NAME_ATTEMPTS = 8;

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
        Map<Path, Path> kept = new LinkedHashMap<>();
        List<Path> createdFiles = new ArrayList<>();
        List<Path> replacedFiles = new ArrayList<>();
        try {
            for (Map.Entry<Path, Set<PosixFilePermission>> dir : directories.entrySet()) {
                createDirectory(dir.getKey(), dir.getValue(), createdDirectories);
            }
            for (Map.Entry<Path, Content> file : files.entrySet()) {
                Path parent = file.getKey().toAbsolutePath().getParent();
                createDirectory(parent, ANCESTOR_PERMISSIONS, createdDirectories);
                temporaries.put(file.getKey(), writeTemporary(file.getKey(), file.getValue()));
            }
            for (Path target : temporaries.keySet()) {
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    kept.put(target, keepLink(target));
                }
            }
            for (Map.Entry<Path, Path> file : temporaries.entrySet()) {
                Path target = file.getKey();
                try {
                    mover.move(file.getValue(), target);
                } catch (IOException e) {
                    throw PkiException.of("cannot move " + target + " into place", e);
                }
                (kept.containsKey(target) ? replacedFiles : createdFiles).add(target);
            }
            kept.values().forEach(FileTransaction::deleteQuietly);
            return List.copyOf(files.keySet());
        } catch (PkiException e) {
            temporaries.values().forEach(FileTransaction::deleteQuietly);
            for (Path target : replacedFiles) {
                restoreQuietly(kept.remove(target), target);
            }
            kept.values().forEach(FileTransaction::deleteQuietly);
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

    /** A new hard link to {@code target} beside it, so that the file can be put back if the commit fails. */
    private static Path keepLink(Path target) throws PkiException {
        Path dir = target.toAbsolutePath().getParent();
        for (int attempt = 0; attempt < MAX_LINK_NAME_ATTEMPTS; attempt++) {
            Path link = dir.resolve("." + target.getFileName() + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), Character.MAX_RADIX) + ".old");
            try {
                return Files.createLink(link, target);
            } catch (FileAlreadyExistsException e) {
                // another name, then
            } catch (IOException e) {
                throw PkiException.of("cannot link " + link + " to " + target + " while replacing it", e);
            } catch (UnsupportedOperationException e) {
                throw new PkiException("cannot replace " + target + " safely: its file system has no hard links", e);
            }
        }
        throw new PkiException("cannot replace " + target + " safely: no free name for a link beside it");
    }

    /** Best effort: renames the kept link back over {@code target}; on failure the link stays, holding the file. */
    private static void restoreQuietly(Path link, Path target) {
        try {
            Files.move(link, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ignored) {
            // the old content stays in the kept link for whoever looks
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
