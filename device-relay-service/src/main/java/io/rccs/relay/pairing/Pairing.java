package io.rccs.relay.pairing;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.common.DeliverySender;
import io.rccs.common.ServerFrames;
import io.rccs.common.consumption.ReliableSteps;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.PairClaim;
import io.rccs.model.protocol.payload.PairCode;
import io.rccs.model.protocol.payload.PairDecision;
import io.rccs.model.protocol.payload.PairRequest;
import io.rccs.model.protocol.payload.PairResult;
import io.rccs.relay.RelayConfig;
import io.rccs.relay.device.DeviceCache;
import io.rccs.relay.device.DeviceCache.Known;
import io.rccs.relay.device.DeviceEventPublisher;
import io.rccs.relay.device.DeviceRegistry;
import io.smallrye.mutiny.Uni;

/**
 * Pairing (SPEC 3.4): a trusted device asks for a code ({@code pair.start} -> {@code pair.code}), a
 * pending device claims it ({@code pair.claim}), the starting device is asked ({@code pair.request})
 * and any trusted device of the user decides ({@code pair.approve} / {@code pair.deny}); the claiming
 * device and the deciding one get {@code pair.result}. The user's token alone (REST) can do none of it.
 */
@ApplicationScoped
public class Pairing {

    /** Codes and wrong-claim records are kept this long after they expire (then purged on the next start). */
    static final Duration KEEP = Duration.ofDays(1);

    private final PairingStore store;
    private final DeviceCache cache;
    private final DeviceRegistry registry;
    private final DeviceEventPublisher events;
    private final DeliverySender deliveries;
    private final ReliableSteps steps;
    private final RelayConfig config;

    public Pairing(PairingStore store, DeviceCache cache, DeviceRegistry registry, DeviceEventPublisher events,
            DeliverySender deliveries, ReliableSteps steps, RelayConfig config) {
        this.store = store;
        this.cache = cache;
        this.registry = registry;
        this.events = events;
        this.deliveries = deliveries;
        this.steps = steps;
        this.config = config;
    }

    public Uni<Void> handle(InboundFrame in) throws ProtocolException {
        Frame frame = in.frame();
        if (in.deviceId() == null) {
            return deliveries.replyError(in, ErrorCode.FORBIDDEN, "pairing is done by devices, not over REST");
        }
        return switch (frame.frameType()) {
            case PAIR_START -> start(in);
            case PAIR_CLAIM -> claim(in, FrameCodec.validPayload(frame, PairClaim.class));
            case PAIR_APPROVE -> decide(in, FrameCodec.validPayload(frame, PairDecision.class), true);
            case PAIR_DENY -> decide(in, FrameCodec.validPayload(frame, PairDecision.class), false);
            default -> Uni.createFrom().voidItem();
        };
    }

    private Uni<Void> start(InboundFrame in) {
        return cache.of(in.userId()).chain(devices -> {
            if (!devices.trusts(in.deviceId())) {
                return deliveries.replyError(in, ErrorCode.NOT_TRUSTED, "only a trusted device can start pairing");
            }
            return store.purge(KEEP).chain(() -> store.openCodes(in.userId())).chain(open -> open >= config.pairing().maxOpenCodes()
                    ? deliveries.replyError(in, ErrorCode.RATE_LIMITED, "this user has " + open + " pairing codes open, the most allowed: "
                            + "use one or let it expire")
                    : store.start(in.userId(), in.deviceId(), in.frame().id(), config.pairing().codeTtl())
                    .chain(code -> deliveries.reply(in, ServerFrames.of(FrameType.PAIR_CODE, in.frame().id(),
                            new PairCode(code.code(), code.expiresAt(), PairCode.uriOf(code.code()))))));
        });
    }

    private Uni<Void> claim(InboundFrame in, PairClaim claim) {
        return cache.of(in.userId()).chain(devices -> {
            Known claimer = devices.find(in.deviceId());
            if (claimer == null) {
                return deliveries.replyError(in, ErrorCode.NOT_FOUND, "this device is not registered");
            }
            if (claimer.trusted()) {
                return deliveries.replyError(in, ErrorCode.CONFLICT, "this device is trusted already");
            }
            String code = claim.code().trim().toUpperCase(java.util.Locale.ROOT);
            return store.claim(in.userId(), code, in.deviceId(), new PairingStore.Limits(config.pairing().maxWrongClaims(),
                    config.pairing().maxWrongClaimsPerUser(), config.pairing().wrongClaimWindow())).chain(outcome -> {
                        if (outcome.refused()) {
                            return deliveries.replyError(in, outcome.error(), outcome.reason());
                        }
                        // the claim is answered by pair.result once a trusted device decides
                        PairRequest request = new PairRequest(outcome.claimId(), claimer.deviceId(), claimer.name(),
                                claimer.kind(), claimer.platform());
                        return deliveries.toDevices(in.userId(), List.of(outcome.startedBy()),
                                ServerFrames.of(FrameType.PAIR_REQUEST, null, request));
                    });
        });
    }

    private Uni<Void> decide(InboundFrame in, PairDecision decision, boolean approve) {
        return cache.of(in.userId()).chain(devices -> {
            if (!devices.trusts(in.deviceId())) {
                return deliveries.replyError(in, ErrorCode.NOT_TRUSTED, "only a trusted device can decide a pairing");
            }
            return store.decide(in.userId(), decision.claimId(), approve, config.pairing().codeTtl()).chain(outcome -> {
                if (outcome.refused()) {
                    return deliveries.replyError(in, outcome.error(), outcome.reason());
                }
                cache.invalidate(in.userId());
                PairResult result = new PairResult(outcome.claimedBy(), approve);
                return steps.untilDone("pairing event", () -> announce(in.userId(), outcome.claimedBy(), approve))
                        .chain(() -> deliveries.toDevices(in.userId(), List.of(outcome.claimedBy()),
                                ServerFrames.of(FrameType.PAIR_RESULT, null, result)))
                        .chain(() -> deliveries.reply(in, ServerFrames.of(FrameType.PAIR_RESULT, in.frame().id(), result)));
            });
        });
    }

    private Uni<Void> announce(String userId, String deviceId, boolean approved) {
        return registry.find(userId, deviceId).chain(device -> device == null ? Uni.createFrom().voidItem()
                : events.publish(approved ? EventTypes.DEVICE_PAIRED : EventTypes.DEVICE_DENIED, device, false, null, null));
    }

}
