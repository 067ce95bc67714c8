package io.rccs.gateway.routing;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.rccs.common.Channels;
import io.rccs.gateway.GatewayConfig;
import io.rccs.model.events.Topics;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;

/**
 * Ready only once this instance reads its deliveries partition from a known position: a device
 * accepted before that could miss its welcome.
 */
@Readiness
@ApplicationScoped
public class DeliveriesReadiness implements HealthCheck {

    private final KafkaClientService kafka;
    private final TopicPartition partition;
    private volatile boolean positioned;

    public DeliveriesReadiness(KafkaClientService kafka, GatewayConfig config) {
        this.kafka = kafka;
        this.partition = new TopicPartition(Topics.DELIVERIES, config.instance());
    }

    @Override
    public HealthCheckResponse call() {
        if (!positioned) {
            KafkaConsumer<Object, Object> consumer = kafka.getConsumer(Channels.DELIVERIES);
            if (consumer != null) {
                try {
                    Long position = consumer.runOnPollingThread(c -> c.assignment().contains(partition) ? c.position(partition) : null)
                            .await().atMost(Duration.ofSeconds(2));
                    positioned = position != null;
                } catch (RuntimeException notYet) {
                    positioned = false;
                }
            }
        }
        return HealthCheckResponse.named("deliveries-partition-" + partition.partition()).status(positioned).build();
    }
}
