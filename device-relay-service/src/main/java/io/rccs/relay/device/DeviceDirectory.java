package io.rccs.relay.device;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.common.DeliverySender;
import io.rccs.common.PresenceReader;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.Devices;
import io.rccs.model.protocol.payload.Devices.DeviceInfo;
import io.rccs.model.protocol.payload.DevicesList;
import io.smallrye.mutiny.Uni;

/** Discovery: {@code devices.list} answered with the user's devices and their live presence. */
@ApplicationScoped
public class DeviceDirectory {

    private final DeviceRegistry registry;
    private final PresenceReader presence;
    private final DeliverySender deliveries;

    public DeviceDirectory(DeviceRegistry registry, PresenceReader presence, DeliverySender deliveries) {
        this.registry = registry;
        this.presence = presence;
        this.deliveries = deliveries;
    }

    public Uni<Void> list(InboundFrame in) throws ProtocolException {
        DevicesList filter = FrameCodec.validPayload(in.frame(), DevicesList.class);
        return registry.list(in.userId())
                .chain(devices -> withPresence(devices))
                .map(infos -> infos.stream()
                        .filter(info -> filter.kind() == null || filter.kind().equals(info.kind()))
                        .filter(info -> filter.capability() == null || info.capabilities().contains(filter.capability()))
                        .filter(info -> filter.online() == null || filter.online() == "online".equals(info.presence()))
                        .toList())
                .chain(infos -> deliveries.reply(in, ServerFrames.of(FrameType.DEVICES, in.frame().id(), new Devices(infos))));
    }

    private Uni<List<DeviceInfo>> withPresence(List<Device> devices) {
        if (devices.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return presence.findAll(devices.get(0).userId, devices.stream().map(device -> device.deviceId).toList())
                .map(online -> devices.stream().map(device -> device.toInfo(online.containsKey(device.deviceId))).toList());
    }
}
