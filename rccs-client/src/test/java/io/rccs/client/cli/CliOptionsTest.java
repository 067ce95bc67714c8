package io.rccs.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CliOptionsTest {

    @Test
    void defaults() {
        CliOptions options = CliOptions.parse(new String[] {"--device", "laptop"}, Map.of());
        assertThat(options.url()).hasToString(CliOptions.DEFAULT_URL);
        assertThat(options.oidc()).isEqualTo(CliOptions.DEFAULT_OIDC);
        assertThat(options.clientId()).isEqualTo("rccs-cli");
        assertThat(options.name()).isEqualTo("laptop");
        assertThat(options.kind()).isEqualTo("desktop");
        assertThat(options.capabilities()).isEmpty();
        assertThat(options.token()).isNull();
        assertThat(options.help()).isFalse();
        assertThat(options.credentials()).isEqualTo(CredentialFiles.defaultDirectory());
    }

    @Test
    void everyOption() {
        CliOptions options = CliOptions.parse(new String[] {"--url=ws://gw:9000/v1/connect", "--user", "alice",
                "--password", "secret", "--oidc", "http://kc/realms/x", "--device", "phone", "--name", "My phone",
                "--kind", "mobile", "--capabilities", "notify, roo.files,", "--resume", "7", "--credentials", "/tmp/creds"},
                Map.of());
        assertThat(options.url()).hasToString("ws://gw:9000/v1/connect");
        assertThat(options.user()).isEqualTo("alice");
        assertThat(options.password()).isEqualTo("secret");
        assertThat(options.oidc()).isEqualTo("http://kc/realms/x");
        assertThat(options.name()).isEqualTo("My phone");
        assertThat(options.kind()).isEqualTo("mobile");
        assertThat(options.capabilities()).isEqualTo(List.of("notify", "roo.files"));
        assertThat(options.resumeLastSeq()).isEqualTo(7L);
        assertThat(options.credentials()).isEqualTo(Path.of("/tmp/creds"));
    }

    @Test
    void tokenAndPasswordFromTheEnvironment() {
        assertThat(CliOptions.parse(new String[] {"--device", "d"}, Map.of("RCCS_TOKEN", "t")).token()).isEqualTo("t");
        assertThat(CliOptions.parse(new String[] {"--device", "d", "--user", "bob"}, Map.of("RCCS_PASSWORD", "pw"))
                .password()).isEqualTo("pw");
        assertThat(CliOptions.parse(new String[] {"--device", "d", "--token", "x"}, Map.of("RCCS_TOKEN", "t")).token())
                .isEqualTo("x");
    }

    @Test
    void help() {
        assertThat(CliOptions.parse(new String[] {"--help"}, Map.of()).help()).isTrue();
        assertThat(CliOptions.parse(new String[] {"--kind", "bogus", "-h"}, Map.of()).help()).isTrue();
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> CliOptions.parse(new String[] {}, Map.of())).hasMessageContaining("--device");
        assertThatThrownBy(() -> CliOptions.parse(new String[] {"--device", "d", "--kind", "fridge"}, Map.of()))
                .hasMessageContaining("--kind");
        assertThatThrownBy(() -> CliOptions.parse(new String[] {"--device", "d", "--bogus", "1"}, Map.of()))
                .hasMessageContaining("--bogus");
        assertThatThrownBy(() -> CliOptions.parse(new String[] {"--device"}, Map.of()))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> CliOptions.parse(new String[] {"--device", "d", "--user", "alice"}, Map.of()))
                .hasMessageContaining("--password");
        assertThatThrownBy(() -> CliOptions.parse(new String[] {"--device", "d", "--url", "http://x/v1/connect"}, Map.of()))
                .hasMessageContaining("ws://");
        assertThatThrownBy(() -> CliOptions.parse(new String[] {"--device", "d", "--token", "t", "--user", "u",
                "--password", "p"}, Map.of())).hasMessageContaining("not both");
        assertThatThrownBy(() -> CliOptions.parse(new String[] {"--device", "d", "--resume", "x"}, Map.of()))
                .hasMessageContaining("--resume");
        assertThatThrownBy(() -> CliOptions.parse(new String[] {"--device", "d", "--credentials", " "}, Map.of()))
                .hasMessageContaining("--credentials");
    }
}
