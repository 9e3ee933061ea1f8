package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The users file of {@code --frontend-auth basic}: htpasswd's bcrypt lines, nothing weaker. */
class ProxyUsersTest {
    /** {@code htpasswd -bnB alice 'correct horse'} (Apache htpasswd 2.4, cost 5). */
    static final String ALICE = "alice:$2y$05$g46wWHK0ExGVPFVmVgzjPO.t5U.S6Ph7kub5JVRI1nD7VMikLb9c.";
    /** {@code htpasswd -bnBC 4 bob 'pässwörd'}: the password's UTF-8 bytes. */
    static final String BOB = "bob:$2y$04$sk3RDoRJH1acf4aEo4xkGOySnx0QoidsPfuI8Uua.VDWnjlCGtHte";

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void htpasswdBcryptLinesVerifyTheirPasswordsAndNoOther() {
        ProxyUsers users = ProxyUsers.parse(List.of("# proxy users", ALICE, "", "  " + BOB + "  "));
        assertThat(users.size()).isEqualTo(2);
        assertThat(users.verify("alice", utf8("correct horse"))).isTrue();
        assertThat(users.verify("alice", utf8("correct horse "))).isFalse();
        assertThat(users.verify("alice", utf8(""))).isFalse();
        assertThat(users.verify("bob", utf8("pässwörd"))).isTrue();
        assertThat(users.verify("bob", "pässwörd".getBytes(StandardCharsets.ISO_8859_1))).as("not UTF-8").isFalse();
        assertThat(users.verify("carol", utf8("correct horse"))).as("an unknown user").isFalse();
        assertThat(users.contains("alice")).isTrue();
        assertThat(users.contains("carol")).isFalse();
    }

    @Test
    void otherHashesAndPlainPasswordsAreRefusedNamingTheLine() {
        for (String weak : List.of("alice:secret", "alice:$apr1$Lx1G5/2r$N3VZz8mKLRAZ4bE3G2Lmu/",
                "alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "alice:rqXexS6ZhobKA", "alice:$2y$05$tooshort")) {
            assertThatThrownBy(() -> ProxyUsers.parse(List.of("# users", weak)))
                    .hasMessageStartingWith("line 2: user alice: not a bcrypt hash");
        }
        assertThatThrownBy(() -> ProxyUsers.parse(List.of("alice:$2y$03$g46wWHK0ExGVPFVmVgzjPO.t5U.S6Ph7kub5JVRI1nD"
                + "7VMikLb9c."))).hasMessage("line 1: user alice: bcrypt cost 3 is not within 4-31");
    }

    @Test
    void namesThatCannotBeLoggedRepeatedUsersAndEmptyFilesAreRefused() {
        String hash = ALICE.substring(ALICE.indexOf(':'));
        for (String name : List.of("", "al ice", "al\"ice", "jörg", "a".repeat(256))) {
            assertThatThrownBy(() -> ProxyUsers.parse(List.of(name + hash))).as(name)
                    .hasMessageStartingWith("line 1: a user name is 1 to 255 visible ASCII characters");
        }
        assertThatThrownBy(() -> ProxyUsers.parse(List.of("alice"))).hasMessage("line 1: not 'user:hash'");
        assertThatThrownBy(() -> ProxyUsers.parse(List.of(ALICE, BOB, ALICE)))
                .hasMessage("line 3: user alice listed twice");
        assertThatThrownBy(() -> ProxyUsers.parse(List.of("# nobody", ""))).hasMessage("lists no user");
    }

    @Test
    void theTextOfTheUsersShowsNoHash() {
        assertThat(ProxyUsers.parse(List.of(ALICE, BOB))).hasToString("ProxyUsers[2 user(s)]");
    }
}
