package io.rccs.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Topics;

/**
 * Reads a topic (every partition, or one) from where it ended when opened, without a consumer group,
 * so a test sees exactly what was published after that.
 */
final class EventTail implements AutoCloseable {

    /** A record as read: its key, partition, the CloudEvent of its value and the value as it was written. */
    record Event(String key, int partition, CloudEvent event, String value) {
    }

    private final KafkaConsumer<String, String> consumer;
    private final String topic;
    private final List<Event> seen = new ArrayList<>();

    /** Every partition of rccs.frames.in. */
    static EventTail framesIn(String bootstrap) {
        return new EventTail(bootstrap, Topics.FRAMES_IN, null);
    }

    /** Every partition of rccs.commands.in. */
    static EventTail commandsIn(String bootstrap) {
        return new EventTail(bootstrap, Topics.COMMANDS_IN, null);
    }

    /** One partition of a topic. */
    static EventTail partition(String bootstrap, String topic, int partition) {
        return new EventTail(bootstrap, topic, partition);
    }

    private EventTail(String bootstrap, String topic, Integer onlyPartition) {
        this.topic = topic;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "rccs-gateway-test-tail");
        consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(15))) {
            if (onlyPartition == null || onlyPartition == info.partition()) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
        }
        if (partitions.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("topic " + topic + " has no partition " + (onlyPartition == null ? "" : onlyPartition));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        for (TopicPartition partition : partitions) {
            consumer.position(partition, Duration.ofSeconds(15)); // seekToEnd is lazy: fix the position now
        }
    }

    /** Waits for the first event (after those already taken) that matches. */
    Event await(String description, Predicate<Event> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int checked = 0;
        while (true) {
            for (; checked < seen.size(); checked++) {
                Event event = seen.get(checked);
                if (match.test(event)) {
                    seen.remove(checked);
                    return event;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no event on " + topic + " matching " + description + " within " + timeout
                        + "; saw " + seen.size() + " others: " + seen.stream().map(e -> e.event().type() + " " + e.event().data()).toList());
            }
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                try {
                    seen.add(new Event(record.key(), record.partition(), CloudEvent.fromJson(record.value()), record.value()));
                } catch (IllegalArgumentException notAnEvent) {
                    // not ours to judge here
                }
            }
        }
    }

    /**
     * The events read so far that no {@link #await} took (without waiting for more): after an awaited
     * event, these include everything published before it on the same partition.
     */
    List<Event> notTaken() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
