package io.rccs.relay.device;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.common.DeliverySender;
import io.rccs.common.PresenceReader;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.Capabilities;
import io.rccs.model.protocol.payload.Devices;
import io.rccs.model.protocol.payload.Devices.DeviceInfo;
import io.rccs.model.protocol.payload.DevicesList;
import io.rccs.relay.device.DeviceCache.Known;
import io.smallrye.mutiny.Uni;

/**
 * Discovery: {@code devices.list} answered from the device cache (no database read) and one
 * presence round trip. Only a trusted device (or the user over REST) may list; pending devices are
 * in the list, marked {@code trusted: false}, so that a trusted device can approve them.
 */
@ApplicationScoped
public class DeviceDirectory {

    private final DeviceCache cache;
    private final PresenceReader presence;
    private final DeliverySender deliveries;

    public DeviceDirectory(DeviceCache cache, PresenceReader presence, DeliverySender deliveries) {
        this.cache = cache;
        this.presence = presence;
        this.deliveries = deliveries;
    }

    public Uni<Void> list(InboundFrame in) throws ProtocolException {
        DevicesList filter = FrameCodec.validPayload(in.frame(), DevicesList.class);
        return cache.of(in.userId()).chain(devices -> {
            if (in.deviceId() != null && !devices.trusts(in.deviceId())) {
                return deliveries.replyError(in, ErrorCode.NOT_TRUSTED,
                        "this device is not trusted yet: pair it first");
            }
            List<Known> matching = devices.all().stream()
                    .filter(device -> filter.id() == null || filter.id().equals(device.deviceId()))
                    .filter(device -> filter.kind() == null || filter.kind().equals(device.kind()))
                    .filter(device -> filter.capability() == null || Capabilities.anyMeets(device.capabilities(), filter.capability()))
                    .toList();
            if (filter.id() != null && matching.isEmpty()) {
                return deliveries.replyError(in, ErrorCode.NOT_FOUND,
                        "no device '" + filter.id() + "'");
            }
            return withPresence(in.userId(), matching)
                    .map(infos -> infos.stream()
                            .filter(info -> filter.online() == null || filter.online() == "online".equals(info.presence()))
                            .toList())
                    .chain(infos -> deliveries.reply(in, ServerFrames.of(FrameType.DEVICES, in.frame().id(), new Devices(infos))));
        });
    }

    private Uni<List<DeviceInfo>> withPresence(String userId, List<Known> devices) {
        if (devices.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return presence.findAll(userId, devices.stream().map(Known::deviceId).toList())
                .map(online -> devices.stream().map(device -> device.toInfo(online.containsKey(device.deviceId()))).toList());
    }
}
