package io.rccs.gateway;

import static io.rccs.gateway.GatewayTestSupport.INSTANCE;
import static io.rccs.gateway.GatewayTestSupport.WAIT;
import static io.rccs.gateway.GatewayTestSupport.awaitReady;
import static io.rccs.gateway.GatewayTestSupport.kafkaBootstrap;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import io.rccs.model.events.Delivery;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.Frame;

/**
 * Plays the command queue for the gateway under test (no queue runs in these tests): it reads what
 * the gateway publishes on rccs.commands.in and answers on the gateway's partition of rccs.deliveries
 * ({@link GatewayTestSupport#INSTANCE}), addressed to the REST exchange, as the queue does.
 */
final class QueueDouble implements AutoCloseable {

    private final EventTail commandsIn;
    private final DeliveriesProducer deliveries;

    private QueueDouble(EventTail commandsIn, DeliveriesProducer deliveries) {
        this.commandsIn = commandsIn;
        this.deliveries = deliveries;
    }

    /** As {@link RelayDouble#open}: once the gateway reads its deliveries partition, reads rccs.commands.in from its end. */
    static QueueDouble open(URI readyUrl) {
        awaitReady(readyUrl);
        EventTail commandsIn = EventTail.commandsIn(kafkaBootstrap());
        try {
            return new QueueDouble(commandsIn, new DeliveriesProducer(kafkaBootstrap(), INSTANCE));
        } catch (RuntimeException e) {
            commandsIn.close();
            throw e;
        }
    }

    /** rccs.commands.in, read from when this double was opened. */
    EventTail commandsIn() {
        return commandsIn;
    }

    /**
     * The next REST request of {@code userId} of this frame type, checked to be one: a frame of the
     * user without a device, to an exchange id, keyed by the user, for this gateway's partition.
     */
    InboundFrame request(String userId, String type) {
        EventTail.Event event = commandsIn.await("a REST " + type + " of " + userId, e -> {
            InboundFrame inbound = RelayDouble.inbound(e);
            return inbound != null && userId.equals(inbound.userId()) && inbound.frame() != null && type.equals(inbound.frame().type());
        }, WAIT);
        assertThat(event.key()).isEqualTo(userId);
        InboundFrame inbound = RelayDouble.inbound(event);
        assertThat(inbound.deviceId()).as("a REST request has no device").isNull();
        assertThat(inbound.connectionId()).startsWith("rest-");
        assertThat(inbound.gateway()).as("the gateway whose partition the answer goes to").isEqualTo(INSTANCE);
        assertThat(inbound.roles()).contains("rccs-user");
        return inbound;
    }

    /** Answers the request on the gateway's partition, to its exchange. */
    void answer(InboundFrame request, Frame answer) {
        deliveries.send(Delivery.toConnection(request.userId(), request.deviceId(), request.connectionId(), answer));
    }

    @Override
    public void close() {
        try {
            deliveries.close();
        } finally {
            commandsIn.close();
        }
    }
}
