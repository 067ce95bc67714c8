package io.rccs.relay.session;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.flipkart.zjsonpatch.CompatibilityFlags;
import com.flipkart.zjsonpatch.JsonPatch;
import com.flipkart.zjsonpatch.JsonPatchApplicationException;

import io.rccs.common.DeliverySender;
import io.rccs.common.ServerFrames;
import io.rccs.common.consumption.ReliableSteps;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.events.SessionEvent;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.HandoffDone;
import io.rccs.model.protocol.payload.SessionOpen;
import io.rccs.model.protocol.payload.SessionRef;
import io.rccs.model.protocol.payload.Sessions;
import io.rccs.model.protocol.payload.SessionsQuery;
import io.rccs.model.protocol.payload.State;
import io.rccs.model.protocol.payload.StateGet;
import io.rccs.model.protocol.payload.StatePatch;
import io.rccs.relay.RelayConfig;
import io.rccs.relay.device.DeviceCache;
import io.rccs.relay.device.DeviceCache.UserDevices;
import io.rccs.relay.inbox.InboxStore.Entry;
import io.rccs.relay.session.SessionChanges.Change;
import io.rccs.relay.session.SessionChanges.Committed;
import io.smallrye.mutiny.Uni;

/**
 * {@code session.open/join/list/close}, {@code state.get} and {@code state.patch} (SPEC 3.5). Every
 * change locks the session's row, checks, writes the new version, logs it and stores the frames that
 * announce it in the inboxes of the session's devices, in one transaction
 * ({@link SessionChanges}); a frame handled twice (a resend, or a batch handled again after a
 * crash) finds its change done and is answered again, not applied again.
 */
@ApplicationScoped
public class SessionFrames {

    /** RFC 6902 as written: removing what is not there fails (the library lets it pass by default). */
    static final EnumSet<CompatibilityFlags> STRICT = EnumSet.of(CompatibilityFlags.FORBID_REMOVE_MISSING_OBJECT);

    /** The most sessions {@code session.list} returns (newest first). */
    static final int LIST_LIMIT = 200;

    private final SessionStore store;
    private final SessionChanges changes;
    private final DeviceCache devices;
    private final DeliverySender deliveries;
    private final ReliableSteps steps;
    private final RelayConfig.Sessions config;

    public SessionFrames(SessionStore store, SessionChanges changes, DeviceCache devices, DeliverySender deliveries,
            ReliableSteps steps, RelayConfig config) {
        this.store = store;
        this.changes = changes;
        this.devices = devices;
        this.deliveries = deliveries;
        this.steps = steps;
        this.config = config.sessions();
    }

    public Uni<Void> open(InboundFrame in) throws ProtocolException {
        SessionOpen open = FrameCodec.validPayload(in.frame(), SessionOpen.class);
        String document = encode(open.state() == null ? JsonNodeFactory.instance.objectNode() : open.state());
        int grace = open.graceSec() != null ? open.graceSec() : (int) config.defaultGrace().toSeconds();
        return handled(in, trustedDeviceOf(in).chain(mine -> steps.untilDone("session open", () -> store.inTransaction(
                connection -> store.openedBy(connection, in.userId(), in.deviceId(), in.frame().id()).chain(earlier -> {
                    if (earlier.isPresent()) {
                        return Uni.createFrom().item(new Opened(earlier.get(), null)); // a resend: the session it opened
                    }
                    return store.countOpenLocked(connection, in.userId()).chain(count -> {
                        if (count >= config.maxOpenPerUser()) {
                            throw new SessionRefusal(ErrorCode.FORBIDDEN, "you have " + count
                                    + " open sessions, the most allowed: close one first");
                        }
                        WorkSession session = new WorkSession(UUID.randomUUID().toString(), in.userId(), open.name(),
                                in.deviceId(), WorkSession.OPEN, 1, document, open.requires(), open.failover(), grace,
                                List.of(in.deviceId()), null, null, null, null, null, null, null);
                        return store.insert(connection, session, in.frame().id()).chain(inserted -> {
                            if (inserted.isEmpty()) { // opened meanwhile by another instance handling the same frame
                                return store.openedBy(connection, in.userId(), in.deviceId(), in.frame().id())
                                        .map(found -> new Opened(found.orElseThrow(), null));
                            }
                            WorkSession created = inserted.get();
                            return changes.record(connection, new Change(created.sessionId(), created.version(), "opened",
                                    in.deviceId(), null, SessionChanges.event(EventTypes.SESSION_OPENED, created, null, null), List.of()))
                                    .map(committed -> new Opened(created, committed));
                        });
                    });
                })))
                .chain(opened -> (opened.committed() == null ? Uni.createFrom().voidItem() : changes.afterCommit(opened.committed()))
                        .chain(() -> deliveries.reply(in, whole(opened.session(), in.frame().id()))))));
    }

    /** A session.open: the session, and its change if this frame created it (null for a resend). */
    private record Opened(WorkSession session, Committed committed) {
    }

    public Uni<Void> join(InboundFrame in) throws ProtocolException {
        SessionRef ref = FrameCodec.validPayload(in.frame(), SessionRef.class);
        return handled(in, trustedDeviceOf(in).chain(mine -> steps.untilDone("session join", () -> store.inTransaction(
                connection -> store.lock(connection, in.userId(), ref.session()).chain(found -> {
                    WorkSession session = existing(found, ref.session());
                    if (session.isMember(in.deviceId()) || !session.open()) {
                        return Uni.createFrom().item(session);
                    }
                    return store.update(connection, session.withMemberAdded(in.deviceId()), false);
                })))
                .chain(session -> deliveries.reply(in, whole(session, in.frame().id())))));
    }

    public Uni<Void> list(InboundFrame in) throws ProtocolException {
        SessionsQuery query = FrameCodec.validPayload(in.frame(), SessionsQuery.class);
        return handled(in, userOrTrustedDevice(in).chain(() -> steps.untilDone("session list",
                () -> store.list(in.userId(), query.includeClosed(), LIST_LIMIT))
                .chain(found -> deliveries.reply(in, ServerFrames.of(FrameType.SESSIONS, in.frame().id(),
                        new Sessions(found.stream().map(WorkSession::toInfo).toList()))))));
    }

    public Uni<Void> get(InboundFrame in) throws ProtocolException {
        StateGet get = FrameCodec.validPayload(in.frame(), StateGet.class);
        return handled(in, userOrTrustedDevice(in).chain(() -> steps.untilDone("state get",
                () -> store.find(in.userId(), get.session()))
                .chain(found -> deliveries.reply(in, whole(existing(found, get.session()), in.frame().id())))));
    }

    public Uni<Void> close(InboundFrame in) throws ProtocolException {
        SessionRef ref = FrameCodec.validPayload(in.frame(), SessionRef.class);
        return handled(in, trustedDeviceOf(in).chain(mine -> steps.untilDone("session close", () -> store.inTransaction(
                connection -> store.lock(connection, in.userId(), ref.session()).chain(found -> {
                    WorkSession session = existing(found, ref.session());
                    if (!session.open()) {
                        return Uni.createFrom().item(new Closed(session, null)); // closed already (a resend)
                    }
                    requireOwner(session, in.deviceId(), "close");
                    // a pending offer ends with the session: its owner and target are told so first
                    List<Entry> entries = new ArrayList<>(session.handoffId() == null ? List.of()
                            : Handoffs.withdrawn(session, mine, HandoffDone.SUPERSEDED, null));
                    WorkSession closed = session.closed().next();
                    return store.update(connection, closed, true).chain(updated -> {
                        entries.addAll(SessionChanges.toMembers(updated, mine, SessionChanges.versionKey(updated),
                                member -> versionFrame(updated, null, member, in)));
                        return changes.record(connection, new Change(updated.sessionId(), updated.version(), "closed",
                                in.deviceId(), in.frame().id(), SessionChanges.event(EventTypes.SESSION_CLOSED, updated, null, null),
                                entries));
                    }).map(committed -> new Closed(null, committed));
                })))
                .chain(closed -> closed.committed() != null ? changes.afterCommit(closed.committed())
                        : deliveries.reply(in, whole(closed.earlier(), in.frame().id())))));
    }

    /** A session.close: its change if it closed the session now, else the session closed before (a resend). */
    private record Closed(WorkSession earlier, Committed committed) {
    }

    public Uni<Void> patch(InboundFrame in) throws ProtocolException {
        StatePatch patch = FrameCodec.validPayload(in.frame(), StatePatch.class);
        try {
            JsonPatch.validate(patch.ops());
        } catch (JsonPatchApplicationException invalid) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "payload.ops is not a valid JSON Patch: " + invalid.getMessage());
        }
        return handled(in, trustedDeviceOf(in).chain(mine -> steps.untilDone("state patch", () -> store.inTransaction(
                connection -> store.lock(connection, in.userId(), patch.session()).chain(found -> {
                    WorkSession session = existing(found, patch.session());
                    return store.changeOf(connection, session.sessionId(), in.deviceId(), in.frame().id()).chain(earlier -> {
                        if (earlier.isPresent()) {
                            return Uni.createFrom().item(PatchOutcome.earlier(session, earlier.get()));
                        }
                        WorkSession next = applied(session, patch, in.deviceId());
                        return store.update(connection, next, false, true).chain(updated -> changes.record(connection,
                                new Change(updated.sessionId(), updated.version(), "patched", in.deviceId(), in.frame().id(),
                                        SessionChanges.event(EventTypes.SESSION_STATE_CHANGED, updated, null, patch.ops()),
                                        SessionChanges.toMembers(updated, mine, SessionChanges.versionKey(updated),
                                                member -> versionFrame(updated, patch.ops(), member, in)))))
                                .map(PatchOutcome::made);
                    });
                })))
                .chain(outcome -> outcome.committed() != null ? changes.afterCommit(outcome.committed())
                        // already applied: answered again (the device passes over a version it has)
                        : deliveries.reply(in, ServerFrames.of(FrameType.STATE, in.frame().id(), outcome.earlierState())))));
    }

    /** A state.patch either made its change now, or had made it before (a resend). */
    private record PatchOutcome(Committed committed, State earlierState) {
        static PatchOutcome made(Committed committed) {
            return new PatchOutcome(committed, null);
        }

        static PatchOutcome earlier(WorkSession session, SessionStore.Logged logged) {
            SessionEvent event = CloudEvent.fromJson(logged.event()).data(SessionEvent.class);
            return new PatchOutcome(null, new State(session.sessionId(), logged.version(), event.owner(), event.status(),
                    event.ops(), null));
        }
    }

    /** The session after the patch, at the next version; refused if it is not the one the patch is for. */
    private WorkSession applied(WorkSession session, StatePatch patch, String deviceId) {
        if (!session.open()) {
            throw new SessionRefusal(ErrorCode.CONFLICT, "session " + session.sessionId() + " is closed", versionDetails(session));
        }
        if (!session.isMember(deviceId)) {
            throw new SessionRefusal(ErrorCode.FORBIDDEN, "join session " + session.sessionId() + " before patching it");
        }
        if (patch.baseVersion() != session.version()) {
            throw new SessionRefusal(ErrorCode.CONFLICT, "session " + session.sessionId() + " is at version "
                    + session.version() + ", not " + patch.baseVersion() + ": rebase the patch", versionDetails(session));
        }
        JsonNode result;
        try {
            result = DocumentLimits.applyWithin(patch.ops(), FrameCodec.mapper().readTree(session.document()),
                    session.document().length(), STRICT, config.maxDocumentBytes());
        } catch (JsonPatchApplicationException | JsonProcessingException failed) {
            throw new SessionRefusal(ErrorCode.BAD_FRAME, "the patch does not apply to version " + session.version() + ": "
                    + failed.getMessage(), versionDetails(session));
        } catch (DocumentLimits.TooDeep tooDeep) {
            throw new SessionRefusal(ErrorCode.BAD_FRAME, tooDeep.getMessage(), versionDetails(session));
        } catch (DocumentLimits.TooLarge tooLarge) {
            throw new SessionRefusal(ErrorCode.TOO_LARGE, tooLarge.getMessage(), versionDetails(session));
        }
        if (!result.isObject()) {
            throw new SessionRefusal(ErrorCode.BAD_FRAME, "the patch would make the document something else than a JSON object");
        }
        if (DocumentLimits.depth(result) > DocumentLimits.MAX_DEPTH) {
            throw new SessionRefusal(ErrorCode.BAD_FRAME, "the patch would nest the document deeper than "
                    + DocumentLimits.MAX_DEPTH + " levels");
        }
        return session.withDocument(encodeWithin(result)).next();
    }

    private String encode(JsonNode document) throws ProtocolException {
        if (DocumentLimits.depth(document) > DocumentLimits.MAX_DEPTH) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "payload.state is nested deeper than " + DocumentLimits.MAX_DEPTH + " levels");
        }
        String text = document.toString();
        if (text.getBytes(StandardCharsets.UTF_8).length > config.maxDocumentBytes()) {
            throw new ProtocolException(ErrorCode.TOO_LARGE, "the state document is larger than "
                    + config.maxDocumentBytes() + " bytes");
        }
        return text;
    }

    private String encodeWithin(JsonNode document) {
        String text = document.toString();
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > config.maxDocumentBytes()) {
            throw new SessionRefusal(ErrorCode.TOO_LARGE, "the patch would make the document " + bytes + " bytes, more than "
                    + config.maxDocumentBytes());
        }
        return text;
    }

    static JsonNode versionDetails(WorkSession session) {
        return JsonNodeFactory.instance.objectNode().put("session", session.sessionId()).put("version", session.version());
    }

    static WorkSession existing(Optional<WorkSession> found, String sessionId) {
        return found.orElseThrow(() -> new SessionRefusal(ErrorCode.NOT_FOUND, "you have no session '" + sessionId + "'"));
    }

    static void requireOwner(WorkSession session, String deviceId, String what) {
        if (!session.owner().equals(deviceId)) {
            throw new SessionRefusal(ErrorCode.FORBIDDEN, "only the owner of session " + session.sessionId() + " ("
                    + session.owner() + ") can " + what + " it");
        }
    }

    /** A version's frame for one member: {@code state} with the ops (or the new status); the requester's copy answers its frame. */
    private static Frame versionFrame(WorkSession session, JsonNode ops, String member, InboundFrame in) {
        String corr = member.equals(in.deviceId()) ? in.frame().id() : null;
        return ServerFrames.of(FrameType.STATE, corr, new State(session.sessionId(), session.version(), session.owner(),
                session.status(), ops, null));
    }

    /** The whole session, as {@code state} with its document. */
    static Frame whole(WorkSession session, String corr) {
        return ServerFrames.of(FrameType.STATE, corr, new State(session.sessionId(), session.version(), session.owner(),
                session.status(), null, document(session)));
    }

    /** The session's document, parsed. */
    static JsonNode document(WorkSession session) {
        try {
            return FrameCodec.mapper().readTree(session.document());
        } catch (JsonProcessingException stored) {
            throw new IllegalStateException("session " + session.sessionId() + " holds a document that is not JSON", stored);
        }
    }

    /** The caller must be a trusted device of the user (a session belongs to devices). */
    Uni<UserDevices> trustedDeviceOf(InboundFrame in) {
        if (in.deviceId() == null) {
            return Uni.createFrom().failure(new SessionRefusal(ErrorCode.FORBIDDEN, in.frame().type()
                    + " is for a device: connect one"));
        }
        return steps.untilDone("session devices", () -> devices.of(in.userId())).map(mine -> {
            if (!mine.trusts(in.deviceId())) {
                throw new SessionRefusal(ErrorCode.NOT_TRUSTED, "this device is not trusted yet: pair it first");
            }
            return mine;
        });
    }

    /** The user over REST (reads only), or a trusted device. */
    private Uni<Void> userOrTrustedDevice(InboundFrame in) {
        return in.deviceId() == null ? Uni.createFrom().voidItem() : trustedDeviceOf(in).replaceWithVoid();
    }

    /** Answers a refusal with its error; anything else fails the step as it would. */
    Uni<Void> handled(InboundFrame in, Uni<Void> work) {
        return work.onFailure(SessionRefusal.class).recoverWithUni(failure -> {
            SessionRefusal refusal = (SessionRefusal) failure;
            return deliveries.replyError(in, refusal.code(), refusal.getMessage(), refusal.details());
        });
    }
}
