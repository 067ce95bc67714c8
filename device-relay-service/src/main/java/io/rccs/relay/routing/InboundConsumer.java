package io.rccs.relay.routing;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.micrometer.core.instrument.MeterRegistry;
import io.rccs.common.Channels;
import io.rccs.common.DeliverySender;
import io.rccs.common.EventConsumption;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.relay.device.DeviceDirectory;
import io.rccs.relay.device.DeviceLifecycle;
import io.smallrye.mutiny.Uni;

/**
 * Consumes rccs.frames.in (group device-relay) and handles the frame types the relay owns. The
 * offset is committed only after the handler's Uni completes, so a crash replays the frame; every
 * handler is safe to run twice (registration is an upsert, answers are idempotent for the client).
 */
@ApplicationScoped
public class InboundConsumer {

    private final DeviceLifecycle lifecycle;
    private final DeviceDirectory directory;
    private final MessageRouter messages;
    private final DeliverySender deliveries;
    private final MeterRegistry metrics;

    public InboundConsumer(DeviceLifecycle lifecycle, DeviceDirectory directory, MessageRouter messages,
            DeliverySender deliveries, MeterRegistry metrics) {
        this.lifecycle = lifecycle;
        this.directory = directory;
        this.messages = messages;
        this.deliveries = deliveries;
        this.metrics = metrics;
    }

    @Incoming(Channels.FRAMES_IN)
    public Uni<Void> consume(String json) {
        return EventConsumption.consume(json, metrics, event -> switch (event.type()) {
            case EventTypes.FRAME_RECEIVED -> frame(event.data(InboundFrame.class));
            case EventTypes.CONNECTION_CLOSED -> lifecycle.closed(event.data(ConnectionClosed.class));
            default -> Uni.createFrom().voidItem();
        });
    }

    private Uni<Void> frame(InboundFrame in) {
        metrics.counter("rccs_relay_frames_total", "type", in.frame().type()).increment();
        try {
            return switch (in.frame().frameType()) {
                case HELLO -> lifecycle.hello(in);
                case MESSAGE -> messages.route(in);
                case DEVICES_LIST -> directory.list(in);
                case PAIR_START, PAIR_CLAIM, PAIR_APPROVE, PAIR_DENY, SESSION_OPEN, STATE_GET, STATE_PATCH,
                        HANDOFF_REQUEST, HANDOFF_ACCEPT, HANDOFF_REJECT ->
                    deliveries.reply(in, ServerFrames.error(in.frame().id(), ErrorCode.UNAVAILABLE,
                            in.frame().type() + " is not available yet"));
                default -> Uni.createFrom().voidItem(); // commands belong to the command queue; ack to the inbox (later)
            };
        } catch (ProtocolException e) {
            return deliveries.reply(in, ServerFrames.error(in.frame().id(), e.code(), e.getMessage()));
        }
    }
}
