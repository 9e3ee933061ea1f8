package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Routes by server name: their syntax, and names compared as clients send them. */
class SniRoutesTest {
    private final SniRoutes routes = SniHelloDecoderTest.routes("private-api.internal=10.0.0.5:443",
            "Mixed.Case.Example.=[fd00::1]:8443");

    @Test
    void namesMatchWhateverTheirCaseAndWithoutATrailingDot() {
        SniRoutes.Route route = routes.find("private-api.internal");
        assertThat(route.destination()).isEqualTo(new ConnectRequest("10.0.0.5", 443));
        assertThat(routes.find("PRIVATE-API.Internal.")).isEqualTo(route);
        assertThat(routes.find("mixed.case.example").destination()).isEqualTo(new ConnectRequest("fd00::1", 8443));
        assertThat(routes.find("other.internal")).isNull();
        assertThat(routes.find("api.internal")).as("no suffix match").isNull();
    }

    @Test
    void theAccessLogNamesTheRouteByNameAndDestination() {
        assertThat(routes.find("private-api.internal").target()).isEqualTo("sni:private-api.internal->10.0.0.5:443");
        assertThat(routes.find("mixed.case.example").target()).isEqualTo("sni:mixed.case.example->[fd00::1]:8443");
    }

    @Test
    void aNameThatIsNotAHostNameNeverReachesTheLogAsSent() {
        assertThat(SniRoutes.logTarget("Other.Internal.")).isEqualTo("sni:other.internal");
        assertThat(SniRoutes.logTarget("evil\nclient=forged")).isEqualTo(SniRoutes.NOT_A_NAME);
        assertThat(SniRoutes.logTarget("")).isEqualTo(SniRoutes.NOT_A_NAME);
        assertThat(SniRoutes.logTarget("a".repeat(64) + ".example")).isEqualTo(SniRoutes.NOT_A_NAME);
    }

    @Test
    void aRouteNeedsAHostNameAndADestination() {
        assertThatThrownBy(() -> SniRoutes.parse("10.0.0.5=10.0.0.5:443"))
                .hasMessage("'10.0.0.5' is an IP address; TLS clients send host names only");
        assertThatThrownBy(() -> SniRoutes.parse("*.example=10.0.0.5:443")).hasMessage("'*.example' is not a host name");
        assertThatThrownBy(() -> SniRoutes.parse("a..example=10.0.0.5:443"))
                .hasMessage("'a..example' is not a host name");
        assertThatThrownBy(() -> SniRoutes.parse("=10.0.0.5:443")).hasMessage("'' is not a host name");
        assertThatThrownBy(() -> SniRoutes.parse("a.example=10.0.0.5"))
                .hasMessage("destination is not HOST:PORT (an IPv6 address in brackets)");
        assertThatThrownBy(() -> SniRoutes.parse("a.example=fd00::1:443"))
                .hasMessage("destination is not HOST:PORT (an IPv6 address in brackets)");
        assertThatThrownBy(() -> SniRoutes.parse("a.example")).hasMessage("NAME=HOST:PORT expected");
    }
}
