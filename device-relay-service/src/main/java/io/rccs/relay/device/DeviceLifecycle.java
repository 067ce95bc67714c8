package io.rccs.relay.device;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.rccs.common.DeliverySender;
import io.rccs.common.PresenceReader;
import io.rccs.common.ServerFrames;
import io.rccs.common.consumption.ReliableSteps;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.model.protocol.payload.Presence;
import io.rccs.model.protocol.payload.Welcome;
import io.rccs.relay.RelayConfig;
import io.rccs.relay.inbox.InboxStore;
import io.rccs.relay.inbox.InboxStore.Replay;
import io.rccs.relay.session.Failover;
import io.smallrye.mutiny.Uni;

/**
 * A device connects (hello) or disconnects: register it, welcome it and replay its inbox, tell the
 * user's other devices and the other services (rccs.device.events). Each step is retried on its
 * own until it succeeds, so a database or broker outage delays a hello but never loses it, and a
 * retry does not repeat the steps before it (one welcome per hello).
 */
@ApplicationScoped
public class DeviceLifecycle {

    /** Entries a replay reads and sends at once. */
    static final int REPLAY_PAGE = 500;

    private final DeviceRegistry registry;
    private final DeviceCache cache;
    private final InboxStore inbox;
    private final DeliverySender deliveries;
    private final PresenceReader presence;
    private final DeviceEventPublisher events;
    private final ReliableSteps steps;
    private final RelayConfig config;
    private final MeterRegistry metrics;
    private final Failover failover;

    public DeviceLifecycle(DeviceRegistry registry, DeviceCache cache, InboxStore inbox, DeliverySender deliveries,
            PresenceReader presence, DeviceEventPublisher events, ReliableSteps steps, RelayConfig config, MeterRegistry metrics,
            Failover failover) {
        this.registry = registry;
        this.cache = cache;
        this.inbox = inbox;
        this.deliveries = deliveries;
        this.presence = presence;
        this.events = events;
        this.steps = steps;
        this.config = config;
        this.metrics = metrics;
        this.failover = failover;
    }

    public Uni<Void> hello(InboundFrame in) throws ProtocolException {
        Hello hello = FrameCodec.validPayload(in.frame(), Hello.class);
        Long lastSeq = hello.resume() == null ? null : hello.resume().lastSeq();
        DeviceRegistry.Proof proof = new DeviceRegistry.Proof(in.credentialHash(), !Boolean.TRUE.equals(in.credentialIssued()));
        return steps.untilDone("hello registration", () -> registry.register(in.userId(), hello, proof, in.connectionId(), in.gateway())).chain(registration -> {
            if (registration.refused()) {
                // the connection that holds the device (if any) is untouched: the gateway binds only on welcome
                metrics.counter("rccs_hellos_refused_total", "code", registration.refusal().wire()).increment();
                return steps.untilDone("hello refusal", () -> deliveries.replyError(in, registration.refusal(), registration.reason()));
            }
            Device device = registration.device();
            cache.invalidate(in.userId());
            if (registration.created()) {
                metrics.counter("rccs_devices_registered_total").increment();
            }
            // a pending device is sent nothing but pairing frames: no inbox for it
            Uni<Replay> replay = device.trusted
                    ? steps.untilDone("hello inbox position", () -> inbox.replay(in.userId(), device.deviceId, lastSeq))
                    : Uni.createFrom().item(new Replay(false, 0, 0));
            // welcome, then the replay, then (after this record) live traffic: all on one partition, in order
            return replay.call(position -> steps.untilDone("hello welcome", () -> welcome(in, device, position)))
                    .call(position -> device.trusted ? replayFrom(in, position.after(), 0) : Uni.createFrom().voidItem())
                    .chain(() -> steps.untilDone("hello events", () -> announce(in, registration)))
                    .chain(() -> steps.untilDone("hello presence", () -> tellOthers(device, "online")))
                    // what it owns stays with it; sessions waiting for a capable device may move to it now
                    .chain(() -> device.trusted ? steps.untilDone("hello sessions", () -> failover.deviceBack(in.userId(), device.deviceId))
                            .replaceWithVoid() : Uni.createFrom().voidItem());
        });
    }

    private Uni<Void> welcome(InboundFrame in, Device device, Replay replay) {
        Welcome welcome = new Welcome(in.connectionId(), device.deviceId, device.trusted,
                (int) config.heartbeat().toSeconds(), replay.resumed(), replay.missed());
        return deliveries.reply(in, ServerFrames.of(FrameType.WELCOME, in.frame().id(), welcome));
    }

    /**
     * Sends the replay to the connection a page at a time, each page acknowledged by the broker
     * before the next is read: memory stays bounded whatever the inbox holds, and a retry repeats
     * one page, not the welcome.
     */
    private Uni<Void> replayFrom(InboundFrame in, long after, int sent) {
        if (sent >= config.inbox().maxEntries()) {
            return Uni.createFrom().voidItem();
        }
        return steps.untilDone("hello replay page", () -> inbox.framesAfter(in.userId(), in.deviceId(), after, REPLAY_PAGE)
                .call(frames -> {
                    List<Uni<Void>> sends = new ArrayList<>(frames.size());
                    frames.forEach(frame -> sends.add(deliveries.reply(in, FrameCodec.decodeServerFrame(frame))));
                    return DeliverySender.all(sends);
                }))
                .chain(frames -> frames.size() < REPLAY_PAGE ? Uni.createFrom().voidItem()
                        : replayFrom(in, FrameCodec.decodeServerFrame(frames.get(frames.size() - 1)).seq(), sent + frames.size()));
    }

    private Uni<Void> announce(InboundFrame in, DeviceRegistry.Registration registration) {
        Device device = registration.device();
        Uni<Void> registered = registration.created()
                ? events.publish(EventTypes.DEVICE_REGISTERED, device, true, in.connectionId(), in.gateway())
                : Uni.createFrom().voidItem();
        return registered.chain(() -> events.publish(EventTypes.DEVICE_ONLINE, device, true, in.connectionId(), in.gateway()));
    }

    public Uni<Void> closed(ConnectionClosed closed) {
        return steps.untilDone("close presence", () -> presence.find(closed.userId(), closed.deviceId())).chain(current -> {
            // another connection of the device is live: still online. An entry of this very connection
            // is not (the sweep of a dead gateway publishes the close before it removes the entry), nor
            // one of a dead gateway run (presence does not return those).
            // A replaced connection (4409) says the device has a newer one, whose entry may not be written yet.
            if (closed.closeCode() == ConnectionClosed.REPLACED
                    || current.filter(entry -> !entry.connectionId().equals(closed.connectionId())).isPresent()) {
                return Uni.createFrom().voidItem();
            }
            return steps.untilDone("close last seen", () -> registry.seen(closed.userId(), closed.deviceId()))
                    // unknown or revoked: revocation moved its sessions already; nothing else to announce
                    .chain(device -> device == null ? Uni.createFrom().voidItem()
                            : steps.untilDone("close events", () -> events.publish(EventTypes.DEVICE_OFFLINE, device, false,
                                    closed.connectionId(), closed.gateway()))
                                    .chain(() -> steps.untilDone("close presence push", () -> tellOthers(device, "offline")))
                                    // the sessions it owns start their grace period (failover)
                                    .chain(() -> steps.untilDone("close sessions", () -> failover.ownerGone(closed.userId(), closed.deviceId())))
                                    .replaceWithVoid());
        });
    }

    /** Pushes a presence frame to the user's other trusted devices that are online. */
    private Uni<Void> tellOthers(Device changed, String state) {
        if (!changed.trusted) {
            return Uni.createFrom().voidItem();
        }
        Presence payload = new Presence(changed.deviceId, state, changed.lastSeen.toEpochMilli());
        return cache.of(changed.userId).chain(devices -> deliveries.toDevices(changed.userId,
                devices.trustedExcept(changed.deviceId), ServerFrames.of(FrameType.PRESENCE, null, payload)));
    }
}
