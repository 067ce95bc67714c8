package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class AccessTokenTest {

    private static final Duration MARGIN = Duration.ofSeconds(30);
    private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);

    /** An unsigned JWT with these claims (the device never verifies one). */
    static String jwt(String claimsJson) {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        return encoder.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + encoder.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
    }

    static String jwt(long iat, long exp, String subject) {
        return jwt("{\"sub\":\"" + subject + "\",\"iat\":" + iat + ",\"exp\":" + exp + "}");
    }

    @Test
    void readsExpAndIatFromTheJwtPayload() {
        AccessToken token = AccessToken.read(jwt(NOW.getEpochSecond() - 10, NOW.getEpochSecond() + 290, "alice"), NOW);
        assertThat(token.expiresAt()).isEqualTo(NOW.plusSeconds(290));
        assertThat(token.issuedAt()).isEqualTo(NOW.minusSeconds(10));
        assertThat(token.toString()).doesNotContain(token.value()).contains("expiresAt");
    }

    @Test
    void renewsThirtySecondsAheadOrATenthOfTheLifetimeWhicheverIsLess() {
        AccessToken hour = AccessToken.read(jwt(NOW.getEpochSecond(), NOW.getEpochSecond() + 3600, "a"), NOW);
        assertThat(hour.refreshAt(MARGIN)).isEqualTo(NOW.plusSeconds(3600 - 30));
        AccessToken minute = AccessToken.read(jwt(NOW.getEpochSecond(), NOW.getEpochSecond() + 60, "a"), NOW);
        assertThat(minute.refreshAt(MARGIN)).isEqualTo(NOW.plusSeconds(54));

        assertThat(minute.freshAt(NOW.plusSeconds(53), MARGIN)).isTrue();
        assertThat(minute.freshAt(NOW.plusSeconds(54), MARGIN)).as("inside the margin: not for a new connection").isFalse();
    }

    @Test
    void withoutIatTheLifetimeCountsFromWhenTheTokenWasObtained() {
        AccessToken token = AccessToken.read(jwt("{\"exp\":" + (NOW.getEpochSecond() + 100) + "}"), NOW);
        assertThat(token.issuedAt()).isEqualTo(NOW);
        assertThat(token.refreshAt(MARGIN)).isEqualTo(NOW.plusSeconds(90));
    }

    @Test
    void aTokenThatIsNotAJwtHasNoKnownExpiry() {
        for (String opaque : new String[] {"token", "a.b.c", jwt("[1,2]"), jwt("{\"exp\":\"soon\"}"), "a..b"}) {
            AccessToken token = AccessToken.read(opaque, NOW);
            assertThat(token.expiresAt()).as(opaque).isNull();
            assertThat(token.refreshAt(MARGIN)).isNull();
            assertThat(token.freshAt(NOW, MARGIN)).isFalse();
        }
    }

    @Test
    void theServersExpiryWinsAndOutlivesComparesExpiries() {
        AccessToken older = AccessToken.read(jwt(NOW.getEpochSecond(), NOW.getEpochSecond() + 60, "a"), NOW);
        AccessToken newer = AccessToken.read(jwt(NOW.getEpochSecond(), NOW.getEpochSecond() + 300, "a"), NOW);
        assertThat(newer.outlives(older)).isTrue();
        assertThat(older.outlives(newer)).isFalse();
        assertThat(older.outlives(older)).as("the same token is no renewal").isFalse();
        assertThat(AccessToken.read("opaque", NOW).outlives(older)).as("only the server can tell").isTrue();

        assertThat(older.expiringAt(NOW.getEpochSecond() + 120).expiresAt()).isEqualTo(NOW.plusSeconds(120));
        assertThat(older.expiringAt(0)).isSameAs(older);
    }
}
