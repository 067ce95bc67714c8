package io.rccs.common;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

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

    /**
     * Deliveries one service may have handed to the producer and not yet seen acknowledged: a batch
     * of messages or a replay is sent all at once and awaited together, not one broker round trip each.
     */
    public static final int MAX_PENDING = 16_384;

    private final MutinyEmitter<String> deliveries;
    private final PresenceReader presence;
    private final Counter sent;
    private final Counter offline;
    private final String source;

    public DeliverySender(
            @Channel(Channels.DELIVERIES_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = MAX_PENDING) MutinyEmitter<String> deliveries,
            PresenceReader presence, MeterRegistry metrics, @ConfigProperty(name = "quarkus.application.name") String application) {
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
                Log.debugf("device %s/%s is offline, %s not delivered", userId, deviceId, frame.type());
                return Uni.createFrom().voidItem();
            }
            return send(entry.get().gateway(), Delivery.of(userId, deviceId, frame));
        });
    }

    /** Answers one connection, on the gateway that published the frame being answered. */
    public Uni<Void> toConnection(String userId, String deviceId, String connectionId, int gateway, Frame frame) {
        return send(gateway, Delivery.toConnection(userId, deviceId, connectionId, frame));
    }

    /**
     * Delivers the same frame to several devices of one user: one presence round trip for all of them,
     * then every delivery at once; offline ones are skipped.
     */
    public Uni<Void> toDevices(String userId, Collection<String> deviceIds, Frame frame) {
        if (deviceIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return presence.findAll(userId, deviceIds).chain(online -> {
            offline.increment(deviceIds.size() - online.size());
            List<Uni<Void>> sends = new ArrayList<>(online.size());
            for (PresenceEntry entry : online.values()) {
                sends.add(send(entry.gateway(), Delivery.of(userId, entry.deviceId(), frame)));
            }
            return all(sends);
        });
    }

    /** Answers the connection an inbound frame came from. */
    public Uni<Void> reply(InboundFrame to, Frame frame) {
        return toConnection(to.userId(), to.deviceId(), to.connectionId(), to.gateway(), frame);
    }

    /** Answers the frame with an {@code error} of this code and message. */
    public Uni<Void> replyError(InboundFrame to, io.rccs.model.protocol.ErrorCode code, String message) {
        return replyError(to, code, message, null);
    }

    /** As {@link #replyError(InboundFrame, io.rccs.model.protocol.ErrorCode, String)}, with details (null for none). */
    public Uni<Void> replyError(InboundFrame to, io.rccs.model.protocol.ErrorCode code, String message,
            com.fasterxml.jackson.databind.JsonNode details) {
        return reply(to, ServerFrames.error(to.frame().id(), code, message, details));
    }

    /** Hands a delivery to the producer; completes when the broker has acknowledged it. */
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

    /** Presence of several devices of one user, one round trip. */
    public Uni<Map<String, PresenceEntry>> presence(String userId, Collection<String> deviceIds) {
        return presence.findAll(userId, deviceIds);
    }

    /**
     * Waits for all the sends, which were all handed to the producer at once: the producer keeps them
     * in order per partition, so order per device holds without a broker round trip each.
     */
    public static Uni<Void> all(List<Uni<Void>> sends) {
        if (sends.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (sends.size() == 1) {
            return sends.get(0);
        }
        return Uni.join().all(sends).andCollectFailures().replaceWithVoid();
    }
}
