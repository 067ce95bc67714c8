package io.rccs.relay.device;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.common.DeliverySender;
import io.rccs.common.PresenceReader;
import io.rccs.common.ServerFrames;
import io.rccs.common.consumption.ReliableSteps;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.DeviceRename;
import io.rccs.model.protocol.payload.DeviceRevoke;
import io.rccs.model.protocol.payload.Devices;
import io.rccs.relay.inbox.InboxStore;
import io.rccs.relay.session.Failover;
import io.smallrye.mutiny.Uni;

/**
 * {@code device.rename} and {@code device.revoke}, from a trusted device of the user or from REST
 * (the user's token; no device). Revoking clears the credential and trust, drops the inbox, tells
 * the other services (rccs.device.events: the command queue ends the device's open commands) and
 * closes the device's connection with 4403. Each step is retried until done; a revoke handled
 * again finds the device revoked moments ago and repeats the steps after it.
 */
@ApplicationScoped
public class DeviceAdmin {

    /** The close code of a revoked device's connection. */
    public static final int REVOKED_CLOSE_CODE = 4403;

    private final DeviceRegistry registry;
    private final DeviceCache cache;
    private final InboxStore inbox;
    private final PresenceReader presence;
    private final DeliverySender deliveries;
    private final DeviceEventPublisher events;
    private final ReliableSteps steps;
    private final Failover failover;

    public DeviceAdmin(DeviceRegistry registry, DeviceCache cache, InboxStore inbox, PresenceReader presence,
            DeliverySender deliveries, DeviceEventPublisher events, ReliableSteps steps, Failover failover) {
        this.registry = registry;
        this.cache = cache;
        this.inbox = inbox;
        this.presence = presence;
        this.deliveries = deliveries;
        this.events = events;
        this.steps = steps;
        this.failover = failover;
    }

    public Uni<Void> rename(InboundFrame in) throws ProtocolException {
        DeviceRename rename = FrameCodec.validPayload(in.frame(), DeviceRename.class);
        return allowed(in).chain(allowed -> !allowed ? notTrusted(in)
                : steps.untilDone("rename", () -> registry.rename(in.userId(), rename.deviceId(), rename.name()))
                        .chain(device -> {
                            if (device == null) {
                                return notFound(in, rename.deviceId());
                            }
                            cache.invalidate(in.userId());
                            return steps.untilDone("rename event", () -> events.publish(EventTypes.DEVICE_RENAMED, device, false, null, null))
                                    .chain(() -> steps.untilDone("rename presence", () -> presence.find(in.userId(), device.deviceId)))
                                    .chain(entry -> reply(in, device, entry.isPresent()));
                        }));
    }

    public Uni<Void> revoke(InboundFrame in) throws ProtocolException {
        DeviceRevoke revoke = FrameCodec.validPayload(in.frame(), DeviceRevoke.class);
        return allowed(in).chain(allowed -> !allowed ? notTrusted(in)
                : steps.untilDone("revoke", () -> registry.revoke(in.userId(), revoke.deviceId())).chain(device -> {
                    if (device == null) {
                        return notFound(in, revoke.deviceId());
                    }
                    cache.invalidate(in.userId());
                    return steps.untilDone("revoke close", () -> close(device))
                            .chain(() -> steps.untilDone("revoke inbox", () -> inbox.drop(in.userId(), device.deviceId)))
                            // it can never come back: what it owned moves now (failover sweep)
                            .chain(() -> steps.untilDone("revoke sessions", () -> failover.ownerRevoked(in.userId(), device.deviceId)))
                            .chain(() -> steps.untilDone("revoke event",
                                    () -> events.publish(EventTypes.DEVICE_REVOKED, device, false, null, null)))
                            .chain(() -> reply(in, device, false));
                }));
    }

    /**
     * Closes the device's connection as presence has it, and the connection the relay welcomed last:
     * a welcome still on its way to the gateway has no presence yet, and would otherwise stay open.
     */
    private Uni<Void> close(Device device) {
        return presence.find(device.userId, device.deviceId).chain(entry -> {
            List<Uni<Void>> closes = new java.util.ArrayList<>();
            entry.ifPresent(found -> closes.add(deliveries.send(found.gateway(), new Delivery(device.userId, device.deviceId,
                    found.connectionId(), null, REVOKED_CLOSE_CODE))));
            if (device.lastConnectionId != null && device.lastGateway != null
                    && entry.map(found -> !found.connectionId().equals(device.lastConnectionId)).orElse(true)) {
                closes.add(deliveries.send(device.lastGateway, new Delivery(device.userId, device.deviceId,
                        device.lastConnectionId, null, REVOKED_CLOSE_CODE)));
            }
            return DeliverySender.all(closes);
        });
    }

    /** The user over REST, or one of their trusted devices (not the pending ones). */
    private Uni<Boolean> allowed(InboundFrame in) {
        if (in.deviceId() == null) {
            return Uni.createFrom().item(true);
        }
        return cache.of(in.userId()).map(devices -> devices.trusts(in.deviceId()));
    }

    private Uni<Void> reply(InboundFrame in, Device device, boolean online) {
        return deliveries.reply(in, ServerFrames.of(FrameType.DEVICES, in.frame().id(), new Devices(List.of(device.toInfo(online)))));
    }

    private Uni<Void> notTrusted(InboundFrame in) {
        return deliveries.replyError(in, ErrorCode.NOT_TRUSTED, "this device is not trusted yet: pair it first");
    }

    private Uni<Void> notFound(InboundFrame in, String deviceId) {
        return deliveries.replyError(in, ErrorCode.NOT_FOUND, "no device '" + deviceId + "'");
    }
}
