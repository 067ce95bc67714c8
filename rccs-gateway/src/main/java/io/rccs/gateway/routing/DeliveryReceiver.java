package io.rccs.gateway.routing;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.rccs.common.Channels;
import io.rccs.common.TaggedCounters;
import io.rccs.gateway.connection.DeviceConnection;
import io.rccs.gateway.connection.FrameSender;
import io.rccs.gateway.connection.LocalConnections;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.FrameType;

/**
 * Reads this instance's partition of rccs.deliveries (and only it: see application.properties) and
 * hands each frame to the device's connection here. A delivery for a device that is no longer here
 * is dropped: the sending service will find the device's new presence on its next attempt.
 */
@ApplicationScoped
public class DeliveryReceiver {

    private final LocalConnections connections;
    private final FrameSender sender;
    private final TaggedCounters received;

    public DeliveryReceiver(LocalConnections connections, FrameSender sender, MeterRegistry metrics) {
        this.connections = connections;
        this.sender = sender;
        this.received = new TaggedCounters(metrics, "rccs_deliveries_received_total", "outcome");
    }

    @Incoming(Channels.DELIVERIES)
    public void onDelivery(String json) {
        Delivery delivery;
        try {
            delivery = CloudEvent.fromJson(json).data(Delivery.class);
        } catch (IllegalArgumentException malformed) {
            Log.warnf("dropping a malformed delivery: %s", malformed.getMessage());
            received.increment("malformed");
            return;
        }
        DeviceConnection connection = connections.byDevice(delivery.userId(), delivery.deviceId());
        if (connection == null
                || (delivery.connectionId() != null && !delivery.connectionId().equals(connection.connectionId()))) {
            Log.debugf("device %s/%s is not connected here, delivery dropped", delivery.userId(), delivery.deviceId());
            received.increment("not_here");
            return;
        }
        boolean heldBack = delivery.connectionId() == null && !connection.welcomed() && delivery.frame() != null
                && delivery.frame().is(FrameType.MESSAGE);
        if (heldBack) {
            // a live message for a connection still waiting for its welcome and replay: the replay has it
            Log.debugf("device %s/%s not welcomed yet, live message dropped", delivery.userId(), delivery.deviceId());
            received.increment("before_welcome");
        } else {
            received.increment("delivered");
            if (delivery.frame() != null) {
                sender.send(connection, delivery.frame());
            }
        }
        if (delivery.closeCode() != null) {
            sender.close(connection, delivery.closeCode(), "closed by the server");
        }
    }
}
