package io.rccs.gateway;

import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;

/** Writes deliveries to one partition of rccs.deliveries, as the services do for the gateway that reads it. */
final class DeliveriesProducer implements AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final int partition;

    DeliveriesProducer(String bootstrap, int partition) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "rccs-gateway-test-deliveries");
        this.producer = new KafkaProducer<>(props);
        this.partition = partition;
    }

    /** Sends the delivery keyed {@code userId/deviceId} and waits for the broker's acknowledgement. */
    RecordMetadata send(Delivery delivery) {
        String key = Topics.deviceKey(delivery.userId(), delivery.deviceId());
        String value = CloudEvent.of(EventTypes.DELIVERY, "/rccs-gateway-test", key, delivery).toJson();
        try {
            return producer.send(new ProducerRecord<>(Topics.DELIVERIES, partition, key, value)).get(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not write a delivery to " + Topics.DELIVERIES + "/" + partition, e);
        }
    }

    /** Sends any text as a record value (for malformed deliveries). */
    void sendRaw(String key, String value) {
        try {
            producer.send(new ProducerRecord<>(Topics.DELIVERIES, partition, key, value)).get(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not write to " + Topics.DELIVERIES + "/" + partition, e);
        }
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
