package io.rccs.gateway.routing;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import io.rccs.common.Channels;
import io.rccs.common.EventPublisher;
import io.rccs.gateway.GatewayConfig;
import io.rccs.gateway.connection.DeviceConnection;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;

/**
 * Publishes what clients send, keyed by user so each user's frames stay in order: command frames
 * to rccs.commands.in (the command queue's), everything else to rccs.frames.in (the relay's).
 */
@ApplicationScoped
public class InboundPublisher {

    private final MutinyEmitter<String> framesIn;
    private final MutinyEmitter<String> commandsIn;
    private final GatewayConfig config;
    private final String source;

    /** Frames of all connections that may wait in the emitter for the producer (a broker outage fills it). */
    static final int MAX_QUEUED = 65_536;

    public InboundPublisher(
            @Channel(Channels.FRAMES_IN_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = MAX_QUEUED) MutinyEmitter<String> framesIn,
            @Channel(Channels.COMMANDS_IN_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = MAX_QUEUED) MutinyEmitter<String> commandsIn,
            GatewayConfig config) {
        this.framesIn = framesIn;
        this.commandsIn = commandsIn;
        this.config = config;
        this.source = "/rccs-gateway/" + config.instance();
    }

    public Uni<Void> frame(DeviceConnection connection, Frame frame) {
        boolean hello = frame.is(FrameType.HELLO);
        InboundFrame data = new InboundFrame(connection.userId(), connection.deviceId(), connection.connectionId(),
                config.instance(), connection.roles(), frame, hello ? connection.credentialHash() : null,
                hello ? connection.credentialIssued() : null);
        return publish(data);
    }

    /**
     * A REST request of the user, as a frame without a device: the owning service answers it like a
     * device's frame, to the exchange id on this gateway's deliveries partition.
     */
    public Uni<Void> request(String userId, List<String> roles, String exchangeId, Frame frame) {
        return publish(new InboundFrame(userId, null, exchangeId, config.instance(), roles, frame));
    }

    private Uni<Void> publish(InboundFrame data) {
        String type = data.frame().type();
        MutinyEmitter<String> topic = Topics.COMMANDS_IN.equals(Topics.inboundTopic(type)) ? commandsIn : framesIn;
        return EventPublisher.publish(topic, data.userId(),
                CloudEvent.of(EventTypes.FRAME_RECEIVED, source, data.userId(), data), Topics.FRAME_TYPE_HEADER, type);
    }

    public Uni<Void> closed(DeviceConnection connection, int closeCode) {
        ConnectionClosed data = new ConnectionClosed(connection.userId(), connection.deviceId(),
                connection.connectionId(), config.instance(), closeCode);
        return EventPublisher.publish(framesIn, connection.userId(),
                CloudEvent.of(EventTypes.CONNECTION_CLOSED, source, connection.userId(), data), Topics.FRAME_TYPE_HEADER,
                Topics.CONNECTION_CLOSED_TYPE);
    }
}
