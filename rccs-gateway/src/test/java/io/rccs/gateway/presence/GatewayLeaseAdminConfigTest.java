package io.rccs.gateway.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The partition check's admin client reaches the broker the way the channels do: their security settings included. */
class GatewayLeaseAdminConfigTest {

    @Test
    void keepsWhatAnAdminClientKnowsAndDropsTheRest() {
        Map<String, Object> admin = GatewayLease.adminConfig(Map.of(
                "bootstrap.servers", "kafka-0:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "ssl.truststore.location", "/etc/kafka/truststore.p12",
                "ssl.engine.factory.class", "io.quarkus.kafka.client.tls.QuarkusKafkaSslEngineFactory",
                "tls-configuration-name", "kafka-tls",
                "group.id", "not-for-admin",
                "value.deserializer", "not-for-admin"), "ignored:9092");

        assertThat(admin).containsEntry("bootstrap.servers", "kafka-0:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.p12")
                .containsEntry("ssl.engine.factory.class", "io.quarkus.kafka.client.tls.QuarkusKafkaSslEngineFactory")
                .containsEntry("tls-configuration-name", "kafka-tls")
                .containsEntry("default.api.timeout.ms", 60_000)
                .doesNotContainKeys("group.id", "value.deserializer");
    }

    @Test
    void fallsBackToTheConfiguredBootstrapServers() {
        assertThat(GatewayLease.adminConfig(Map.of(), "127.0.0.1:9092")).containsEntry("bootstrap.servers", "127.0.0.1:9092");
    }
}
