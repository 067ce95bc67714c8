package io.rccs.relay.routing;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.common.DeliverySender;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.relay.device.Device;
import io.rccs.relay.device.DeviceRegistry;
import io.smallrye.mutiny.Uni;

/**
 * Routes {@code message} frames between the devices of ONE user. A target is looked up among the
 * sender's own user's devices only, so another user's device is simply not found.
 */
@ApplicationScoped
public class MessageRouter {

    private final DeviceRegistry registry;
    private final DeliverySender deliveries;

    public MessageRouter(DeviceRegistry registry, DeliverySender deliveries) {
        this.registry = registry;
        this.deliveries = deliveries;
    }

    public Uni<Void> route(InboundFrame in) {
        return registry.list(in.userId()).chain(devices -> {
            Device sender = find(devices, in.deviceId());
            if (sender == null || !sender.trusted) {
                return error(in, ErrorCode.NOT_TRUSTED, "this device is not trusted yet: pair it first");
            }
            Frame delivered = in.frame().withFrom(in.deviceId());
            String to = in.frame().to();
            if (to == null) {
                return deliveries.toDevices(in.userId(), devices.stream()
                        .filter(device -> device.trusted && !device.deviceId.equals(in.deviceId()))
                        .map(device -> device.deviceId)
                        .toList(), delivered);
            }
            Device target = find(devices, to);
            if (target == null) {
                return error(in, ErrorCode.NOT_FOUND, "you have no device '" + to + "'");
            }
            if (!target.trusted) {
                return error(in, ErrorCode.NOT_TRUSTED, "device '" + to + "' is not trusted");
            }
            return deliveries.toDevice(in.userId(), to, delivered).chain(presence -> presence.isPresent()
                    ? Uni.createFrom().voidItem()
                    // offline storage (the per-device inbox of SPEC 3.2) is not built yet: say so instead of dropping silently
                    : error(in, ErrorCode.UNAVAILABLE, "device '" + to + "' is offline; messages are not stored for offline devices yet"));
        });
    }

    private Uni<Void> error(InboundFrame in, ErrorCode code, String message) {
        return deliveries.reply(in, ServerFrames.error(in.frame().id(), code, message));
    }

    private static Device find(List<Device> devices, String deviceId) {
        return devices.stream().filter(device -> device.deviceId.equals(deviceId)).findFirst().orElse(null);
    }
}
