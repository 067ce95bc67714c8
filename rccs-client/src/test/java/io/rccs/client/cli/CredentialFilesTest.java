package io.rccs.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class CredentialFilesTest {

    private static String jwt(String claims) {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        return encoder.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + encoder.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".signature";
    }

    @Test
    void oneFilePerUserAndDevice() {
        Path directory = Path.of("/home/a/.rccs/credentials");
        assertThat(CredentialFiles.locate(directory, "alice", "laptop-1"))
                .isEqualTo(Path.of("/home/a/.rccs/credentials/alice/laptop-1"));
        assertThat(CredentialFiles.locate(directory, null, "d")).isEqualTo(directory.resolve("_unknown/d"));
    }

    @Test
    void namesCannotLeaveTheDirectoryOrCollide() {
        assertThat(CredentialFiles.pathSegment("..")).isEqualTo("%2E.");
        assertThat(CredentialFiles.pathSegment(".hidden")).isEqualTo("%2Ehidden");
        assertThat(CredentialFiles.pathSegment("a/b")).isEqualTo("a%2Fb");
        assertThat(CredentialFiles.pathSegment("host:1")).isEqualTo("host%3A1");
        assertThat(CredentialFiles.pathSegment("a%2Fb")).isEqualTo("a%252Fb");
        assertThat(CredentialFiles.pathSegment("jörg@example.org")).isEqualTo("j%C3%B6rg%40example.org");
        assertThat(CredentialFiles.pathSegment("v1.2_x-y")).isEqualTo("v1.2_x-y");
    }

    @Test
    void theUserOfAToken() {
        assertThat(CredentialFiles.userOfToken(jwt("{\"sub\":\"1234\",\"preferred_username\":\"alice\"}"))).contains("alice");
        assertThat(CredentialFiles.userOfToken(jwt("{\"sub\":\"1234\"}"))).contains("1234");
        assertThat(CredentialFiles.userOfToken(jwt("{\"iss\":\"x\"}"))).isEmpty();
        assertThat(CredentialFiles.userOfToken("opaque-token")).isEmpty();
        assertThat(CredentialFiles.userOfToken("a.%%%.c")).isEmpty();
        assertThat(CredentialFiles.userOfToken(null)).isEmpty();
    }

    @Test
    void theDefaultDirectoryIsInTheHome() {
        assertThat(CredentialFiles.defaultDirectory())
                .isEqualTo(Path.of(System.getProperty("user.home"), ".rccs", "credentials"));
    }
}
