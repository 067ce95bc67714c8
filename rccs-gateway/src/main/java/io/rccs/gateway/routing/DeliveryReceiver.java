package io.rccs.gateway.routing;

import java.util.EnumSet;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.rccs.common.Channels;
import io.rccs.common.TaggedCounters;
import io.rccs.gateway.connection.DeviceConnection;
import io.rccs.gateway.connection.FrameSender;
import io.rccs.gateway.connection.HelloVerdicts;
import io.rccs.gateway.connection.LocalConnections;
import io.rccs.gateway.rest.RestExchanges;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;

/**
 * Reads this instance's partition of rccs.deliveries (and only it: see application.properties) and
 * hands each frame to the connection it is for: the one named in the delivery (an answer), else the
 * device's current connection here. A delivery for a device that is no longer here is dropped: the
 * sending service will find the device's new presence on its next attempt. A connection waiting for
 * its welcome gets only the answer to its hello; a pending (untrusted) device gets only what pairing
 * needs, whatever a service sends.
 */
@ApplicationScoped
public class DeliveryReceiver {

    /** What may reach a device that is not trusted (SPEC 3.4: it can only pair). */
    static final Set<FrameType> PENDING_MAY_RECEIVE = EnumSet.of(FrameType.WELCOME, FrameType.ERROR, FrameType.PONG,
            FrameType.PAIR_RESULT, FrameType.RECONNECT);

    private final LocalConnections connections;
    private final FrameSender sender;
    private final HelloVerdicts verdicts;
    private final RestExchanges rest;
    private final TaggedCounters received;

    public DeliveryReceiver(LocalConnections connections, FrameSender sender, HelloVerdicts verdicts, RestExchanges rest,
            MeterRegistry metrics) {
        this.connections = connections;
        this.sender = sender;
        this.verdicts = verdicts;
        this.rest = rest;
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
        String connectionId = delivery.connectionId();
        if (connectionId != null && connectionId.startsWith(RestExchanges.PREFIX)) {
            received.increment(delivery.frame() != null && rest.answer(connectionId, delivery.userId(), delivery.frame()) ? "rest" : "rest_gone");
            return;
        }
        DeviceConnection connection = connectionId != null ? connections.byConnectionId(connectionId)
                : connections.byDevice(delivery.userId(), delivery.deviceId());
        if (connection == null || !connection.userId().equals(delivery.userId())
                || (delivery.deviceId() != null && !delivery.deviceId().equals(connection.deviceId()))) {
            Log.debugf("device %s/%s is not connected here, delivery dropped", delivery.userId(), delivery.deviceId());
            received.increment("not_here");
            return;
        }
        Frame frame = delivery.frame();
        if (frame != null) {
            deliver(connection, frame);
        }
        if (delivery.closeCode() != null) {
            sender.close(connection, delivery.closeCode(), "closed by the server");
        }
    }

    private void deliver(DeviceConnection connection, Frame frame) {
        if (HelloVerdicts.answersHello(connection, frame)) {
            received.increment("hello_answer");
            verdicts.apply(connection, frame);
            return;
        }
        if (!connection.welcomed()) {
            // before the welcome only its answer goes out; a live message is in the replay that follows it
            received.increment("before_welcome");
            return;
        }
        if (!connection.trusted()) {
            if (!PENDING_MAY_RECEIVE.contains(frame.frameType())) {
                received.increment("not_trusted");
                return;
            }
            if (frame.is(FrameType.PAIR_RESULT) && frame.payload().path("approved").asBoolean(false)
                    && connection.deviceId().equals(frame.payload().path("deviceId").asText(null))) {
                connection.markTrusted();
            }
        }
        received.increment("delivered");
        sender.send(connection, frame);
    }
}
