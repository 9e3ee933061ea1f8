package io.tunnel.client.cli;

import com.beust.jcommander.IStringConverter;
import com.beust.jcommander.ParameterException;

/** Reads a {@code host:port} flag. */
public final class HostPortConverter implements IStringConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
        try {
            return HostPort.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(e.getMessage());
        }
    }
}
