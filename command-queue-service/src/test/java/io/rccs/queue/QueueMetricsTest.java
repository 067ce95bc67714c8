package io.rccs.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.testsupport.StoreTestSupport;

/**
 * The queue's metrics for the dashboard and the alerts: the open-command gauges follow the database
 * (%test.rccs.queue.open-count-interval is 200 ms), and the counters the alerts watch exist at 0
 * from the start.
 */
@QuarkusTest
class QueueMetricsTest {

    private static final String QUEUED = "select count(*) from queue.command where status = 'QUEUED'";

    @Inject
    MeterRegistry metrics;

    @Inject
    RedisDataSource redis;

    @Test
    void theOpenCommandsGaugeFollowsTheDatabase() {
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetKnownOffline();
            long before = StoreTestSupport.count(QUEUED);
            for (int i = 0; i < 3; i++) {
                f.submitQueued(KafkaTestSupport.unique("depth"), "build", "normal"); // D is offline: they stay QUEUED
            }
            Gauge queued = metrics.find("rccs_commands_open").tag("status", "QUEUED").gauge();
            assertThat(queued).as("rccs_commands_open{status=QUEUED}").isNotNull();
            long deadline = System.nanoTime() + KafkaTestSupport.TIMEOUT.toNanos();
            long counted;
            while ((counted = StoreTestSupport.count(QUEUED)) < before + 3 || queued.value() != counted) {
                if (System.nanoTime() > deadline) {
                    fail("the gauge shows %s QUEUED, the database has %d (%d before the three submits)", queued.value(), counted, before);
                }
                KafkaTestSupport.sleep(50);
            }
            assertThat(metrics.find("rccs_commands_open").tag("status", "DISPATCHED").gauge()).isNotNull();
            assertThat(metrics.find("rccs_outbox_pending").gauge()).isNotNull();
        }
    }

    @Test
    void theCountersTheAlertsWatchExistFromTheStart() {
        for (String status : new String[] {"DEAD", "EXPIRED", "QUEUED"}) {
            assertThat(metrics.find("rccs_commands_total").tag("status", status).counter()).as("rccs_commands_total{status=%s}", status)
                    .isNotNull();
        }
        for (String consumer : new String[] {"command-queue", "command-queue-submit", "command-queue-devices", "command-queue-sessions"}) {
            for (String reason : new String[] {"malformed", "rejected"}) {
                assertThat(metrics.find("rccs_dead_letters_total").tags("consumer", consumer, "reason", reason).counter())
                        .as("rccs_dead_letters_total{consumer=%s,reason=%s}", consumer, reason).isNotNull();
            }
        }
    }
}
