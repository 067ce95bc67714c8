package io.rccs.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.flipkart.zjsonpatch.JsonDiff;

import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.HandoffAnswer;
import io.rccs.model.protocol.payload.HandoffDone;
import io.rccs.model.protocol.payload.HandoffOffer;
import io.rccs.model.protocol.payload.HandoffRequest;
import io.rccs.model.protocol.payload.SessionInfo;
import io.rccs.model.protocol.payload.SessionOpen;
import io.rccs.model.protocol.payload.SessionRef;
import io.rccs.model.protocol.payload.SessionsQuery;
import io.rccs.model.protocol.payload.State;
import io.rccs.model.protocol.payload.StateGet;
import io.rccs.model.protocol.payload.StatePatch;

/**
 * The work sessions of one {@link RccsDevice} (SPEC 3.5): opens, joins, reads, patches, closes and
 * hands off sessions, and keeps a {@link SessionReplica} of every session the device follows, so
 * that all devices converge on the same document. Get it with {@link RccsDevice#sessions()}.
 *
 * <p>Which sessions have a replica: the ones this device opened or joined, was offered, or became
 * the owner of by failover. Frames of other sessions reach the listeners and
 * {@code onOtherFrame} only; {@link #joinSession} starts following one.
 *
 * <p>The {@code state} and {@code handoff.*} frames the server pushes come from the device's inbox:
 * they pass the same sequencer as messages, so each reaches the replicas once, in seq order,
 * before it completes a future or reaches a listener or {@code onOtherFrame}.
 *
 * <p>Every future fails with a {@link TimeoutException} after the device's
 * {@link RccsDevice.Builder#sessionTimeout session timeout} (default 60 s), with a
 * {@link RccsErrorException} when the server refuses the frame ({@code code()} says why), and with
 * an {@link IllegalStateException} once the device stopped. Requests the server does once per frame
 * id (all but {@code handoff.request}'s refusal and {@code handoff.reject}) are sent again with the
 * same id when the connection is lost before the answer. Futures complete on the device's event
 * thread (or a timer thread): continuations should not block, and a handler or listener must not
 * wait for one of these futures (its answer is handled on the very thread that would wait).
 */
public final class WorkSessions {

    private static final System.Logger LOG = System.getLogger(WorkSessions.class.getName());
    /** How long a rebase waits for the versions a conflict named to arrive before reading the session anew. */
    private static final Duration REBASE_WAIT = Duration.ofSeconds(2);
    /** Untracked sessions whose newest announced version is remembered (for a join answer overtaken by a push). */
    private static final int REMEMBERED_UNTRACKED = 1_000;

    private final RccsDevice device;
    private final Duration timeout;
    private final Map<String, SessionReplica> replicas = new ConcurrentHashMap<>();
    /** Ids of the open and join frames in flight: their answer starts a replica. */
    private final Set<String> startingRequests = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> untrackedAnnounced = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > REMEMBERED_UNTRACKED;
        }
    };
    /** Sessions a state.get is in flight for: one at a time per session. */
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private final Map<String, HandoffOffer> offers = new ConcurrentHashMap<>();
    /** Per session, the futures of this device's handoff requests, waiting for their handoff.done. */
    private final Map<String, List<CompletableFuture<HandoffDone>>> handoffsRequested = new ConcurrentHashMap<>();
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();

    WorkSessions(RccsDevice device, Duration timeout, SessionListener listener) {
        this.device = Objects.requireNonNull(device, "device");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (listener != null) {
            listeners.add(listener);
        }
    }

    // ---------------------------------------------------------------------------------- public API

    /**
     * Opens a session owned by this device ({@code session.open}) with {@code state} (a JSON object,
     * or null for an empty one) as its document at version 1, failover allowed after the server's
     * default grace period. Completes with the session as the server answered it; the device follows
     * it from then on.
     */
    public CompletableFuture<SessionSnapshot> openSession(String name, JsonNode state) {
        return openSession(new SessionOpen(name, state, null, null, null));
    }

    /** As {@link #openSession(String, JsonNode)} with every field of {@code session.open}: requires, failover, graceSec. */
    public CompletableFuture<SessionSnapshot> openSession(SessionOpen open) {
        Objects.requireNonNull(open, "open");
        return startFollowing(RccsDevice.newFrame(FrameType.SESSION_OPEN.wire(), null, open));
    }

    /**
     * Follows a session of the user ({@code session.join}): completes with the whole session at its
     * current version; every later change reaches the replica. {@code not_found} for an unknown one.
     */
    public CompletableFuture<SessionSnapshot> joinSession(String session) {
        return startFollowing(RccsDevice.newFrame(FrameType.SESSION_JOIN.wire(), null, new SessionRef(session)));
    }

    /** Reads the whole session as the server has it now ({@code state.get}); a replica of it is brought up to that. */
    public CompletableFuture<SessionSnapshot> getState(String session) {
        Frame get = RccsDevice.newFrame(FrameType.STATE_GET.wire(), null, new StateGet(session));
        return askSurviving(get, WorkSessions::snapshotOf, new Deadline(timeout));
    }

    /** The user's open sessions ({@code session.list}), newest first. */
    public CompletableFuture<List<SessionInfo>> listSessions() {
        return listSessions(false);
    }

    /** The user's sessions, the closed ones too when {@code includeClosed}. */
    public CompletableFuture<List<SessionInfo>> listSessions(boolean includeClosed) {
        Frame list = RccsDevice.newFrame(FrameType.SESSION_LIST.wire(), null,
                new SessionsQuery(includeClosed ? Boolean.TRUE : null));
        return askSurviving(list, answer -> RccsClient.payload(answer, io.rccs.model.protocol.payload.Sessions.class)
                .sessions(), new Deadline(timeout));
    }

    /**
     * Closes a session this device owns ({@code session.close}); completes with the version that
     * closed it. Every follower's replica gets status {@code closed}. {@code forbidden} when this
     * device is not the owner.
     */
    public CompletableFuture<Long> closeSession(String session) {
        Frame close = RccsDevice.newFrame(FrameType.SESSION_CLOSE.wire(), null, new SessionRef(session));
        return askSurviving(close, answer -> RccsClient.payload(answer, State.class).version(), new Deadline(timeout));
    }

    /**
     * Changes a session's document: {@code change} gets a copy of the replica's document (it may
     * change it in place) and returns the new document, a JSON object; the difference goes out as
     * one {@code state.patch} on the replica's version. When another change came first
     * ({@code conflict}), the replica is brought up to the newer version (from the frames on their
     * way, else by reading the session anew) and {@code change} runs again on that document, until
     * the patch applies or the session timeout passes. So {@code change} may run several times, on
     * this thread or the device's event thread: keep it quick and free of other side effects.
     *
     * <p>Joins the session first when this device does not follow it yet. Completes with the version
     * this change made (the replica has it by then), or with the replica's version when the change
     * changed nothing (nothing is sent). Fails with an {@link IllegalStateException} when the session
     * is closed, a {@link RccsErrorException} when the server refuses the patch otherwise
     * ({@code bad_frame}: it does not apply; {@code too_large}), an {@link IllegalArgumentException}
     * when {@code change} returns something else than an object, or what {@code change} threw.
     */
    public CompletableFuture<Long> update(String session, Function<JsonNode, JsonNode> change) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(change, "change");
        Deadline deadline = new Deadline(timeout);
        CompletableFuture<Long> result = new CompletableFuture<>();
        SessionReplica followed = replicas.get(session);
        CompletableFuture<SessionReplica> ready = followed != null ? CompletableFuture.completedFuture(followed)
                : joinSession(session).thenApply(joined -> replica(session).orElseThrow(
                        () -> new IllegalStateException("joined session " + session + " but have no replica of it")));
        ready.whenComplete((replica, failure) -> {
            if (failure != null) {
                result.completeExceptionally(unwrap(failure));
            } else {
                patch(replica, change, deadline, result);
            }
        });
        return deadline.bound(result, () -> "the update of session " + session + " did not apply within " + timeout);
    }

    /**
     * Offers a session this device owns to device {@code to} ({@code handoff.request}). Completes with
     * the outcome: {@code handoff.done} accepted (ownership moved; the replica has the new owner),
     * or not accepted (reason {@code rejected}, or {@code timeout} when the offer lapsed). Fails with
     * a {@link RccsErrorException} when the server refuses the request: {@code no_capable_device}
     * (offline, or lacks a required capability), {@code not_trusted}, {@code not_found},
     * {@code conflict} (another handoff is pending, or the session closed), {@code forbidden} (not
     * the owner).
     */
    public CompletableFuture<HandoffDone> requestHandoff(String session, String to) {
        Deadline deadline = new Deadline(timeout);
        CompletableFuture<HandoffDone> outcome = new CompletableFuture<>();
        handoffsRequested.computeIfAbsent(session, key -> new CopyOnWriteArrayList<>()).add(outcome);
        Frame request = RccsDevice.newFrame(FrameType.HANDOFF_REQUEST.wire(), null, new HandoffRequest(session, to));
        // success has no answer of its own: only a refusal names the request, the outcome is a handoff.done
        askSurviving(request, answer -> answer, deadline).whenComplete((ignored, failure) -> {
            Throwable cause = failure == null ? null : unwrap(failure);
            if (cause != null && !(cause instanceof TimeoutException)) {
                outcome.completeExceptionally(cause);
            }
        });
        outcome.whenComplete((done, failure) -> {
            List<CompletableFuture<HandoffDone>> waiting = handoffsRequested.get(session);
            if (waiting != null) {
                waiting.remove(outcome);
            }
            device.forgetAnswer(request.id());
        });
        return deadline.bound(outcome, () -> "no outcome of the handoff of session " + session + " to " + to + " within "
                + timeout);
    }

    /**
     * Takes a session offered to this device ({@code handoff.accept}); completes with the
     * {@code handoff.done} that made it the owner (the replica has the new owner and version by then).
     * {@code not_found} when nothing is offered to this device, {@code conflict} when the offer lapsed.
     */
    public CompletableFuture<HandoffDone> acceptHandoff(String session) {
        Frame accept = RccsDevice.newFrame(FrameType.HANDOFF_ACCEPT.wire(), null, new HandoffAnswer(session));
        return askSurviving(accept, answer -> RccsClient.payload(answer, HandoffDone.class), new Deadline(timeout));
    }

    /** Declines a session offered to this device ({@code handoff.reject}); completes with the {@code handoff.done} (not accepted). */
    public CompletableFuture<HandoffDone> rejectHandoff(String session) {
        Frame reject = RccsDevice.newFrame(FrameType.HANDOFF_REJECT.wire(), null, new HandoffAnswer(session));
        Deadline deadline = new Deadline(timeout);
        // not sent again on a lost connection: a second reject of a withdrawn offer is refused as not_found
        CompletableFuture<HandoffDone> done = device.ask(reject, answer -> RccsClient.payload(answer, HandoffDone.class));
        return deadline.bound(done, () -> "no answer to handoff.reject of session " + session + " within " + timeout)
                .whenComplete((answer, failure) -> device.forgetAnswer(reject.id()));
    }

    /** The replica of a session this device follows, if it follows it. */
    public Optional<SessionReplica> replica(String session) {
        return Optional.ofNullable(replicas.get(session));
    }

    /** Snapshots of every session this device follows (closed ones included). */
    public List<SessionSnapshot> followed() {
        return replicas.values().stream().map(SessionReplica::snapshot).toList();
    }

    /** The offers made to this device that no {@code handoff.done} has ended yet. */
    public List<HandoffOffer> offers() {
        return List.copyOf(offers.values());
    }

    public void addListener(SessionListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(SessionListener listener) {
        listeners.remove(listener);
    }

    /** How long every future of this class waits at most. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * The RFC 6902 patch that turns {@code before} into {@code after}; one that replaces the whole
     * document when the difference takes more operations than one patch may carry.
     */
    static JsonNode patchBetween(JsonNode before, JsonNode after) {
        JsonNode ops = JsonDiff.asJson(before, after);
        if (ops.size() <= StatePatch.MAX_OPS) {
            return ops;
        }
        ArrayNode replaceAll = FrameCodec.mapper().createArrayNode();
        replaceAll.addObject().put("op", "replace").put("path", "").set("value", after);
        return replaceAll;
    }

    // ---------------------------------------------------------------------------------- frames

    /** Called on the device's event thread with every frame, in the order handed over, before its future completes. */
    void onFrame(Frame frame) {
        try {
            if (frame.is(FrameType.STATE)) {
                onState(frame, RccsClient.payload(frame, State.class));
            } else if (frame.is(FrameType.HANDOFF_OFFER)) {
                onOffer(RccsClient.payload(frame, HandoffOffer.class));
            } else if (frame.is(FrameType.HANDOFF_DONE)) {
                onDone(RccsClient.payload(frame, HandoffDone.class));
            }
        } catch (IllegalArgumentException unreadable) {
            LOG.log(System.Logger.Level.WARNING, "unreadable {0} frame: {1}", frame.type(), unreadable.getMessage());
        }
    }

    private void onState(Frame frame, State state) {
        boolean answersStart = frame.corr() != null && startingRequests.remove(frame.corr());
        SessionReplica replica = replicas.get(state.session());
        if (replica != null) {
            took(replica, replica.apply(state));
            return;
        }
        // a whole session answering our open or join, or pushed (a failover made this device the owner)
        if (state.document() != null && (answersStart || frame.corr() == null)) {
            follow(SessionReplica.of(state));
        } else {
            noteUntracked(state.session(), state.version());
        }
    }

    private void onOffer(HandoffOffer offer) {
        offers.put(offer.session(), offer);
        SessionReplica replica = replicas.get(offer.session());
        if (replica != null) {
            took(replica, replica.apply(offer));
        } else if (offer.document() != null) {
            // the device offered follows the session from the offer on
            follow(new SessionReplica(offer.session(), offer.version(), offer.from(), SessionReplica.OPEN, offer.document()));
        }
        tell(listener -> listener.onOffer(offer));
    }

    private void onDone(HandoffDone done) {
        offers.remove(done.session()); // whatever ended, the pending offer ended with it
        SessionReplica replica = replicas.get(done.session());
        if (replica != null) {
            took(replica, replica.apply(done));
        } else if (done.accepted()) {
            noteUntracked(done.session(), done.version());
        }
        if (device.deviceId().equals(done.from())) {
            List<CompletableFuture<HandoffDone>> waiting = handoffsRequested.remove(done.session());
            if (waiting != null) {
                waiting.forEach(future -> future.complete(done));
            }
        }
        tell(listener -> listener.onHandoffDone(done));
    }

    /** Starts a replica (or, when one exists meanwhile, brings it up to this one). */
    private void follow(SessionReplica fresh) {
        SessionReplica existing = replicas.putIfAbsent(fresh.session(), fresh);
        if (existing != null) {
            SessionSnapshot whole = fresh.snapshot();
            took(existing, existing.replace(whole.version(), whole.owner(), whole.status(), whole.document()));
            return;
        }
        Long announced;
        synchronized (untrackedAnnounced) {
            announced = untrackedAnnounced.remove(fresh.session());
        }
        if (announced != null) {
            fresh.noteAnnounced(announced); // a push overtook the answer: it is older than what the server has
        }
        took(fresh, SessionReplica.Outcome.APPLIED);
        if (fresh.isBehind()) {
            refresh(fresh);
        }
    }

    private void took(SessionReplica replica, SessionReplica.Outcome outcome) {
        switch (outcome) {
            case APPLIED -> {
                SessionSnapshot now = replica.snapshot();
                tell(listener -> listener.onState(now));
            }
            case GAP -> refresh(replica);
            case IGNORED -> {
                // a version it has, or no version step
            }
        }
    }

    private void noteUntracked(String session, long version) {
        synchronized (untrackedAnnounced) {
            untrackedAnnounced.merge(session, version, Math::max);
        }
    }

    /** Reads the whole session to mend a gap; again after the answer if newer versions were announced meanwhile. */
    private void refresh(SessionReplica replica) {
        if (!refreshing.add(replica.session())) {
            return; // one in flight: its answer is at least as new as what this gap needs, or the check after it asks again
        }
        long before = replica.version();
        Frame get = RccsDevice.newFrame(FrameType.STATE_GET.wire(), null, new StateGet(replica.session()));
        askSurviving(get, answer -> answer, new Deadline(timeout)).whenComplete((answer, failure) -> {
            refreshing.remove(replica.session());
            if (failure != null) {
                LOG.log(System.Logger.Level.INFO, "could not read session {0} anew: {1}", replica.session(),
                        unwrap(failure).getMessage());
                return; // the next frame of the session finds the gap again
            }
            if (replica.isBehind() && replica.version() > before) {
                refresh(replica);
            }
        });
    }

    private void tell(Consumer<SessionListener> call) {
        for (SessionListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a session listener failed", e);
            }
        }
    }

    // ---------------------------------------------------------------------------------- requests

    /** Sends an open or join: its answer starts the replica (in {@link #onFrame}, before the future completes). */
    private CompletableFuture<SessionSnapshot> startFollowing(Frame request) {
        startingRequests.add(request.id());
        return askSurviving(request, WorkSessions::snapshotOf, new Deadline(timeout))
                .whenComplete((snapshot, failure) -> startingRequests.remove(request.id()));
    }

    /** One attempt at a change: diff against the replica, patch, and on conflict rebase and go again. */
    private void patch(SessionReplica replica, Function<JsonNode, JsonNode> change, Deadline deadline,
            CompletableFuture<Long> result) {
        if (result.isDone()) {
            return; // timed out
        }
        SessionSnapshot base = replica.snapshot();
        if (!base.isOpen()) {
            result.completeExceptionally(new IllegalStateException("session " + base.session() + " is closed (version "
                    + base.version() + "): the change was not made"));
            return;
        }
        JsonNode ops;
        try {
            JsonNode after = change.apply(base.document().deepCopy());
            if (after == null || !after.isObject()) {
                throw new IllegalArgumentException("the change must return the new document, a JSON object, not " + after);
            }
            ops = patchBetween(base.document(), after);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        if (ops.isEmpty()) {
            result.complete(base.version());
            return;
        }
        Frame frame = RccsDevice.newFrame(FrameType.STATE_PATCH.wire(), null,
                new StatePatch(base.session(), base.version(), ops));
        askSurviving(frame, answer -> RccsClient.payload(answer, State.class).version(), deadline)
                .whenComplete((version, failure) -> {
                    if (failure == null) {
                        result.complete(version);
                        return;
                    }
                    Throwable cause = unwrap(failure);
                    if (cause instanceof RccsErrorException refused && ErrorCode.CONFLICT.wire().equals(refused.code())) {
                        rebase(replica, base.version(), refused, deadline).whenComplete((ignored, rebaseFailure) -> {
                            if (rebaseFailure != null) {
                                result.completeExceptionally(unwrap(rebaseFailure));
                            } else {
                                patch(replica, change, deadline, result);
                            }
                        });
                        return;
                    }
                    result.completeExceptionally(cause);
                });
    }

    /**
     * Brings the replica up to the version a conflict named: the frames of the versions in between
     * are on their way through the inbox, so wait for them a little; should they not come (lost with
     * a connection, say), read the session anew.
     */
    private CompletableFuture<?> rebase(SessionReplica replica, long base, RccsErrorException conflict, Deadline deadline) {
        JsonNode named = conflict.error().details() == null ? null : conflict.error().details().get("version");
        long current = named != null && named.canConvertToLong() ? named.asLong() : base + 1;
        long target = Math.max(current, base + 1); // a conflict means at least one newer version
        Duration wait = deadline.remaining().compareTo(REBASE_WAIT) < 0 ? deadline.remaining() : REBASE_WAIT;
        CompletableFuture<SessionSnapshot> caughtUp = replica.awaitVersion(target);
        new Deadline(wait).bound(caughtUp, () -> "versions up to " + target + " of session " + replica.session()
                + " did not come within " + wait);
        return caughtUp.exceptionallyCompose(slow -> {
            Frame get = RccsDevice.newFrame(FrameType.STATE_GET.wire(), null, new StateGet(replica.session()));
            return askSurviving(get, WorkSessions::snapshotOf, deadline); // its answer replaces the replica (onFrame)
        });
    }

    /**
     * Sends a request the server does once per frame id and returns the future of its answer; when
     * the connection is lost before the answer, sends the same frame again (on the next connection).
     */
    private <T> CompletableFuture<T> askSurviving(Frame frame, Function<Frame, T> reading, Deadline deadline) {
        CompletableFuture<T> result = new CompletableFuture<>();
        askUntilAnswered(frame, reading, deadline, result);
        return deadline.bound(result, () -> "no answer to " + frame.type() + " " + frame.payload() + " within " + timeout)
                .whenComplete((answer, failure) -> {
                    if (failure != null && unwrap(failure) instanceof TimeoutException) {
                        device.forgetAnswer(frame.id());
                    }
                });
    }

    private <T> void askUntilAnswered(Frame frame, Function<Frame, T> reading, Deadline deadline, CompletableFuture<T> result) {
        device.ask(frame, reading).whenComplete((answer, failure) -> {
            if (failure == null) {
                result.complete(answer);
                return;
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof ConnectionLostException && !result.isDone() && deadline.left()) {
                askUntilAnswered(frame, reading, deadline, result);
            } else {
                result.completeExceptionally(cause);
            }
        });
    }

    private static SessionSnapshot snapshotOf(Frame answer) {
        State state = RccsClient.payload(answer, State.class);
        if (state.document() == null) {
            throw new IllegalArgumentException("a state without document answered " + answer.corr());
        }
        return new SessionSnapshot(state.session(), state.version(), state.owner(), state.status(), state.document());
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The time a call may take, shared by the frames it sends. */
    private static final class Deadline {
        private final long atNanos;

        Deadline(Duration limit) {
            this.atNanos = System.nanoTime() + limit.toNanos();
        }

        Duration remaining() {
            return Duration.ofNanos(Math.max(0, atNanos - System.nanoTime()));
        }

        boolean left() {
            return atNanos - System.nanoTime() > 0;
        }

        /** Fails {@code future} with a {@link TimeoutException} when it is not done by the deadline; returns it. */
        <T> CompletableFuture<T> bound(CompletableFuture<T> future, Supplier<String> what) {
            long left = atNanos - System.nanoTime();
            if (left <= 0) {
                future.completeExceptionally(new TimeoutException(what.get()));
            } else if (!future.isDone()) {
                CompletableFuture.delayedExecutor(left, TimeUnit.NANOSECONDS)
                        .execute(() -> future.completeExceptionally(new TimeoutException(what.get())));
            }
            return future;
        }
    }
}
