package io.tunnel.pki;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * A valid request that failed while it ran: files in the way, a missing CA, an unwritable directory.
 * The command line reports it in one line (exit 1).
 */
public final class PkiException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a one-line message naming the problem. */
    public PkiException(String message) {
        super(message);
    }

    /** Creates the exception with a one-line message naming the problem, and its cause. */
    public PkiException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Wraps an I/O failure as "{@code action}: what went wrong", e.g. "cannot write x.key: permission denied". */
    static PkiException of(String action, IOException e) {
        return new PkiException(action + ": " + describe(e), e);
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException nsf) {
            return "no such file or directory: " + nsf.getFile();
        }
        if (e instanceof AccessDeniedException ade) {
            return "permission denied: " + ade.getFile();
        }
        if (e instanceof FileAlreadyExistsException fae) {
            return fae.getFile() + " already exists";
        }
        if (e instanceof FileSystemException fse) {
            String reason = fse.getReason() != null ? fse.getReason() : e.getClass().getSimpleName();
            return fse.getFile() != null ? fse.getFile() + ": " + reason : reason;
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
