package io.rccs.relay.device;

import java.util.Collection;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;

/**
 * When this relay instance is given partitions of rccs.frames.in, the users on them were another
 * instance's a moment ago, and device changes it made may not have reached this cache yet: start
 * from the database again. Named in application.properties for the frames-in channel.
 */
@ApplicationScoped
@Identifier(CacheOnRebalance.NAME)
public class CacheOnRebalance implements KafkaConsumerRebalanceListener {

    public static final String NAME = "device-cache-on-rebalance";

    private final DeviceCache cache;

    public CacheOnRebalance(DeviceCache cache) {
        this.cache = cache;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            cache.invalidateAll();
        }
    }
}
