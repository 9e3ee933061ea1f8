package io.tunnel.agent.sidecar;

import com.beust.jcommander.IStringConverter;
import com.beust.jcommander.ParameterException;
import io.netty.util.NetUtil;
import java.net.InetAddress;

/** An IPv4 or IPv6 address flag; a literal only, never a name to resolve. */
public final class IpAddressConverter implements IStringConverter<InetAddress> {
    @Override
    public InetAddress convert(String value) {
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(value.trim());
        if (address == null) {
            throw new ParameterException("'" + value + "' is not an IP address");
        }
        return address;
    }
}
