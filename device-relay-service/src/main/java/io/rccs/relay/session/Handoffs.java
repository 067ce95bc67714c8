package io.rccs.relay.session;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.rccs.common.DeliverySender;
import io.rccs.common.ServerFrames;
import io.rccs.common.consumption.ReliableSteps;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.SessionEvent;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.HandoffAnswer;
import io.rccs.model.protocol.payload.HandoffDone;
import io.rccs.model.protocol.payload.HandoffOffer;
import io.rccs.model.protocol.payload.HandoffRequest;
import io.rccs.relay.RelayConfig;
import io.rccs.relay.device.DeviceCache;
import io.rccs.relay.device.DeviceCache.Known;
import io.rccs.relay.device.DeviceCache.UserDevices;
import io.rccs.relay.inbox.InboxStore.Entry;
import io.rccs.relay.session.SessionChanges.Change;
import io.rccs.relay.session.SessionChanges.Committed;
import io.rccs.relay.session.SessionStore.DueHandoff;
import io.smallrye.mutiny.Uni;

/**
 * {@code handoff.request/accept/reject} and lapsed offers (SPEC 3.5). The owner offers the session to
 * another trusted, capable, online device, which follows the session from the offer on (so it misses
 * no version while it decides); {@code handoff.accept} moves ownership at the next version. A session
 * has at most one offer pending, and every step locks the session's row: of two handoffs, or of a
 * handoff and a patch, one comes first and the other sees what it did.
 */
@ApplicationScoped
public class Handoffs {

    private final SessionStore store;
    private final SessionChanges changes;
    private final SessionFrames frames;
    private final DeviceCache devices;
    private final DeliverySender deliveries;
    private final ReliableSteps steps;
    private final RelayConfig.Sessions config;

    public Handoffs(SessionStore store, SessionChanges changes, SessionFrames frames, DeviceCache devices,
            DeliverySender deliveries, ReliableSteps steps, RelayConfig config) {
        this.store = store;
        this.changes = changes;
        this.frames = frames;
        this.devices = devices;
        this.deliveries = deliveries;
        this.steps = steps;
        this.config = config.sessions();
    }

    public Uni<Void> request(InboundFrame in) throws ProtocolException {
        HandoffRequest request = FrameCodec.validPayload(in.frame(), HandoffRequest.class);
        if (request.to().equals(in.deviceId())) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "a device cannot hand a session to itself");
        }
        return frames.handled(in, frames.trustedDeviceOf(in)
                .chain(mine -> steps.untilDone("handoff presence", () -> deliveries.presence(in.userId(), List.of(request.to())))
                        .map(online -> online.containsKey(request.to())).map(online -> new Target(mine, online)))
                .chain(target -> steps.untilDone("handoff request", () -> store.inTransaction(
                        connection -> store.lock(connection, in.userId(), request.session()).chain(found -> {
                            WorkSession session = SessionFrames.existing(found, request.session());
                            if (!session.open()) {
                                throw new SessionRefusal(ErrorCode.CONFLICT, "session " + session.sessionId() + " is closed",
                                        SessionFrames.versionDetails(session));
                            }
                            String handoffId = offerId(in, session);
                            if (handoffId.equals(session.handoffId()) || handoffId.equals(session.lastHandoffId())) {
                                return Uni.createFrom().item(Optional.<Committed>empty()); // a resend: offered already
                            }
                            SessionFrames.requireOwner(session, in.deviceId(), "hand off");
                            if (session.handoffId() != null) {
                                throw new SessionRefusal(ErrorCode.CONFLICT, "a handoff of session " + session.sessionId()
                                        + " to " + session.handoffTo() + " is pending", SessionFrames.versionDetails(session));
                            }
                            requireCapable(session, target, request.to());
                            Instant expiresAt = Instant.now().plus(config.handoffTimeout());
                            WorkSession offered = session.withHandoff(handoffId, request.to(), expiresAt);
                            HandoffOffer offer = new HandoffOffer(session.sessionId(), session.name(), session.owner(),
                                    session.version(), SessionFrames.document(session),
                                    session.requires(), expiresAt.toEpochMilli());
                            Entry entry = new Entry(in.userId(), request.to(), SessionChanges.SENDER, "h." + handoffId + ".offer",
                                    ServerFrames.of(FrameType.HANDOFF_OFFER, null, offer));
                            return store.update(connection, offered, false).chain(updated -> changes.record(connection,
                                    new Change(updated.sessionId(), updated.version(), "offered", in.deviceId(), in.frame().id(),
                                            null, List.of(entry))))
                                    .map(Optional::of);
                        })))
                        .chain(committed -> changes.afterCommit(committed))));
    }

    public Uni<Void> accept(InboundFrame in) throws ProtocolException {
        HandoffAnswer answer = FrameCodec.validPayload(in.frame(), HandoffAnswer.class);
        return frames.handled(in, frames.trustedDeviceOf(in).chain(mine -> steps.untilDone("handoff accept", () -> store.inTransaction(
                connection -> store.lock(connection, in.userId(), answer.session()).chain(found -> {
                    WorkSession session = SessionFrames.existing(found, answer.session());
                    return store.changeOf(connection, session.sessionId(), in.deviceId(), in.frame().id())
                            .chain(earlier -> earlier.isPresent()
                                    ? Uni.createFrom().item(new Answered(logged(earlier.get()), null)) // accepted already (a resend)
                                    : accepted(connection, session, mine, in));
                })))
                .chain(answered -> answered.committed() != null ? changes.afterCommit(answered.committed())
                        : deliveries.reply(in, ServerFrames.of(FrameType.HANDOFF_DONE, in.frame().id(), answered.earlier())))));
    }

    /** The handoff.done a logged accept announced. */
    private static HandoffDone logged(SessionStore.Logged change) {
        SessionEvent event = CloudEvent.fromJson(change.event()).data(SessionEvent.class);
        return new HandoffDone(event.sessionId(), event.owner(), event.previousOwner(), event.owner(), change.version(), true,
                HandoffDone.HANDOFF);
    }

    private Uni<Answered> accepted(io.vertx.mutiny.sqlclient.SqlConnection connection, WorkSession session, UserDevices mine,
            InboundFrame in) {
        WorkSession pending = offeredTo(session, in.deviceId());
        if (pending.handoffExpiresAt().isBefore(Instant.now())) {
            throw new SessionRefusal(ErrorCode.CONFLICT, "the offer of session " + session.sessionId() + " lapsed");
        }
        String from = session.owner();
        WorkSession moved = session.withOwner(in.deviceId()).next();
        return store.update(connection, moved, true).chain(updated -> changes.record(connection,
                new Change(updated.sessionId(), updated.version(), "handed-off", in.deviceId(), in.frame().id(),
                        SessionChanges.event(EventTypes.SESSION_HANDED_OFF, updated, from, null),
                        SessionChanges.toMembers(updated, mine, SessionChanges.versionKey(updated),
                                member -> ServerFrames.of(FrameType.HANDOFF_DONE,
                                        member.equals(in.deviceId()) ? in.frame().id() : null,
                                        new HandoffDone(updated.sessionId(), updated.owner(), from, updated.owner(), updated.version(),
                                                true, HandoffDone.HANDOFF)))))
                .map(committed -> new Answered(null, committed)));
    }

    public Uni<Void> reject(InboundFrame in) throws ProtocolException {
        HandoffAnswer answer = FrameCodec.validPayload(in.frame(), HandoffAnswer.class);
        return frames.handled(in, frames.trustedDeviceOf(in).chain(mine -> steps.untilDone("handoff reject", () -> store.inTransaction(
                connection -> store.lock(connection, in.userId(), answer.session()).chain(found -> {
                    WorkSession session = SessionFrames.existing(found, answer.session());
                    if (session.handoffId() == null && in.deviceId().equals(session.lastHandoffTo())) {
                        return Uni.createFrom().item(Optional.<Committed>empty()); // answered already (a resend)
                    }
                    return withdraw(connection, offeredTo(session, in.deviceId()), mine, HandoffDone.REJECTED, in).map(Optional::of);
                })))
                .chain(committed -> changes.afterCommit(committed))));
    }

    /** Withdraws the offers nobody answered in time, telling the owner and the device offered. */
    Uni<Integer> expire(int limit) {
        return store.dueHandoffs(limit).chain(due -> {
            List<Uni<Void>> each = new ArrayList<>(due.size());
            due.forEach(handoff -> each.add(expire(handoff)));
            return DeliverySender.all(each).replaceWith(due.size());
        });
    }

    private Uni<Void> expire(DueHandoff due) {
        return devices.of(due.userId()).chain(mine -> store.inTransaction(connection -> store.lock(connection, due.userId(), due.sessionId())
                .chain(found -> {
                    WorkSession session = found.orElse(null);
                    if (session == null || session.handoffExpiresAt() == null || session.handoffExpiresAt().isAfter(Instant.now())) {
                        return Uni.createFrom().item(Optional.<Committed>empty()); // answered meanwhile
                    }
                    return withdraw(connection, session, mine, HandoffDone.TIMEOUT, null).map(Optional::of);
                })))
                .chain(committed -> changes.afterCommit(committed));
    }

    /** Ends a pending offer without a move: the owner and the device offered are told why. */
    private Uni<Committed> withdraw(io.vertx.mutiny.sqlclient.SqlConnection connection, WorkSession session, UserDevices mine,
            String reason, InboundFrame in) {
        List<Entry> entries = withdrawn(session, mine, reason, in);
        return store.update(connection, session.withoutHandoff(), false).chain(updated -> changes.record(connection,
                new Change(updated.sessionId(), updated.version(), reason, in == null ? null : in.deviceId(), null, null, entries)));
    }

    /** The handoff.done frames that tell the owner and the device offered that the pending offer ended without a move. */
    static List<Entry> withdrawn(WorkSession session, UserDevices mine, String reason, InboundFrame in) {
        HandoffDone done = new HandoffDone(session.sessionId(), session.owner(), session.owner(), session.handoffTo(),
                session.version(), false, reason);
        return SessionChanges.toDevices(session, List.of(session.owner(), session.handoffTo()), mine,
                "h." + session.handoffId() + ".done", device -> ServerFrames.of(FrameType.HANDOFF_DONE,
                        in != null && device.equals(in.deviceId()) ? in.frame().id() : null, done));
    }


    private static WorkSession offeredTo(WorkSession session, String deviceId) {
        if (session.handoffTo() == null || !session.handoffTo().equals(deviceId)) {
            throw new SessionRefusal(ErrorCode.NOT_FOUND, "session " + session.sessionId() + " is not offered to this device");
        }
        return session;
    }

    private static void requireCapable(WorkSession session, Target target, String to) {
        Known device = target.devices().find(to);
        if (device == null) {
            throw new SessionRefusal(ErrorCode.NOT_FOUND, "you have no device '" + to + "'");
        }
        if (!device.trusted()) {
            throw new SessionRefusal(ErrorCode.NOT_TRUSTED, "device '" + to + "' is not trusted");
        }
        if (!device.canRun(session.requires())) {
            throw new SessionRefusal(ErrorCode.NO_CAPABLE_DEVICE, "device '" + to + "' lacks a capability session "
                    + session.sessionId() + " requires: " + session.requires());
        }
        if (!target.online()) {
            throw new SessionRefusal(ErrorCode.NO_CAPABLE_DEVICE, "device '" + to + "' is not online");
        }
    }

    /**
     * An offer's id is derived from the request (session, device, frame id): a resent request is
     * recognised as the offer already pending, and the id fits the inbox key.
     */
    private static String offerId(InboundFrame in, WorkSession session) {
        String request = session.sessionId() + '\u0000' + in.deviceId() + '\u0000' + in.frame().id();
        return UUID.nameUUIDFromBytes(request.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private record Target(UserDevices devices, boolean online) {
    }

    /** An accept: made now ({@code committed}), or made before ({@code earlier}, to answer again). */
    private record Answered(HandoffDone earlier, Committed committed) {
    }
}
