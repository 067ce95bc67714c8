package io.rccs.gateway.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** A drain moves its clients at the configured rate, within half the drain timeout. */
class DrainSpreadTest {

    @Test
    void theSpreadIsConnectionsOverTheRate() {
        assertThat(Drain.reconnectSpreadMillis(5_000, 500, Duration.ofSeconds(40))).isEqualTo(10_000);
        assertThat(Drain.reconnectSpreadMillis(8_000, 500, Duration.ofSeconds(40))).isEqualTo(16_000);
    }

    @Test
    void aFewClientsStillSpreadOverASecond() {
        assertThat(Drain.reconnectSpreadMillis(3, 500, Duration.ofSeconds(10))).isEqualTo(Drain.MIN_RECONNECT_SPREAD_MS);
        assertThat(Drain.reconnectSpreadMillis(0, 500, Duration.ofSeconds(10))).isEqualTo(Drain.MIN_RECONNECT_SPREAD_MS);
    }

    @Test
    void neverMoreThanHalfTheDrainTimeoutNorWhatAClientWaits() {
        assertThat(Drain.reconnectSpreadMillis(20_000, 500, Duration.ofSeconds(10))).isEqualTo(5_000);
        assertThat(Drain.reconnectSpreadMillis(20_000, 500, Duration.ofSeconds(90))).isEqualTo(Drain.MAX_RECONNECT_SPREAD_MS);
        assertThat(Drain.reconnectSpreadMillis(20_000, 0, Duration.ofSeconds(20))).as("a rate of 0 is taken as 1/s").isEqualTo(10_000);
        assertThat(Drain.reconnectSpreadMillis(10, 500, Duration.ofSeconds(1))).isEqualTo(500);
    }

    @Test
    void whatTheGatewayAsksForFitsWhatTheClientWaits() {
        // rccs-client stays at most 20 s: the longest ask plus its quarter of jitter must fit
        assertThat(Drain.MAX_RECONNECT_SPREAD_MS + Drain.MAX_RECONNECT_SPREAD_MS / 4).isLessThanOrEqualTo(20_000);
    }
}
