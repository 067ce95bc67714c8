package io.rccs.common;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.events.Topics;
import io.rccs.model.presence.PresenceEntry;
import io.rccs.model.protocol.Frame;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Sends frames to devices: looks the device up in Redis presence and writes a {@link Delivery} to the
 * partition of {@link Topics#DELIVERIES} that the device's gateway reads. A device with no presence
 * entry is offline: nothing is sent and the caller is told so.
 */
@ApplicationScoped
public class DeliverySender {

    private final MutinyEmitter<String> deliveries;
    private final PresenceReader presence;
    private final Counter sent;
    private final Counter offline;
    private final String source;

    public DeliverySender(@Channel(Channels.DELIVERIES_OUT) MutinyEmitter<String> deliveries, PresenceReader presence,
            MeterRegistry metrics, @ConfigProperty(name = "quarkus.application.name") String application) {
        this.deliveries = deliveries;
        this.presence = presence;
        this.sent = metrics.counter("rccs_deliveries_total", "outcome", "sent");
        this.offline = metrics.counter("rccs_deliveries_total", "outcome", "offline");
        this.source = "/" + application;
    }

    /** Delivers to the device wherever it is connected; the result is the presence used, empty when offline. */
    public Uni<Optional<PresenceEntry>> toDevice(String userId, String deviceId, Frame frame) {
        return presence.find(userId, deviceId).call(entry -> {
            if (entry.isEmpty()) {
                offline.increment();
                Log.debugf("device %s/%s is offline, %s %s not delivered", userId, deviceId, frame.type(), frame.id());
                return Uni.createFrom().voidItem();
            }
            return send(entry.get().gateway(), Delivery.of(userId, deviceId, frame));
        });
    }

    /** Answers one connection, on the gateway that published the frame being answered. */
    public Uni<Void> toConnection(String userId, String deviceId, String connectionId, int gateway, Frame frame) {
        return send(gateway, Delivery.toConnection(userId, deviceId, connectionId, frame));
    }

    /** Delivers the same frame to several devices of one user; offline ones are skipped. */
    public Uni<Void> toDevices(String userId, java.util.Collection<String> deviceIds, Frame frame) {
        if (deviceIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.join().all(deviceIds.stream().map(deviceId -> toDevice(userId, deviceId, frame)).toList())
                .usingConcurrencyOf(PresenceReader.MAX_CONCURRENT_LOOKUPS)
                .andFailFast().replaceWithVoid();
    }

    /** Answers the connection an inbound frame came from. */
    public Uni<Void> reply(InboundFrame to, Frame frame) {
        return toConnection(to.userId(), to.deviceId(), to.connectionId(), to.gateway(), frame);
    }

    /** Sends a delivery to a gateway's partition, waiting for the broker's acknowledgement. */
    public Uni<Void> send(int gateway, Delivery delivery) {
        String key = Topics.deviceKey(delivery.userId(), delivery.deviceId());
        CloudEvent event = CloudEvent.of(EventTypes.DELIVERY, source, key, delivery);
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key)
                .withPartition(gateway)
                .build();
        sent.increment();
        return deliveries.sendMessage(Message.of(event.toJson()).addMetadata(metadata));
    }
}
