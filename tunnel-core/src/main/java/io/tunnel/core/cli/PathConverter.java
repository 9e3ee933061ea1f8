package io.tunnel.core.cli;

import com.beust.jcommander.IStringConverter;
import java.nio.file.Path;

/** A file path flag. */
public final class PathConverter implements IStringConverter<Path> {
    @Override
    public Path convert(String value) {
        return Path.of(value);
    }
}
