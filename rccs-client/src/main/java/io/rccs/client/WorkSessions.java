package io.rccs.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.CompatibilityFlags;
import com.flipkart.zjsonpatch.DiffFlags;
import com.flipkart.zjsonpatch.JsonDiff;
import com.flipkart.zjsonpatch.JsonPatch;

import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.ErrorPayload;
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
 * hands off sessions, and keeps a {@link SessionReplica} of every open session the device follows,
 * so that all devices converge on the same document. Get it with {@link RccsDevice#sessions()}.
 *
 * <p>Which sessions have a replica: the open ones this device opened or joined, was offered, or
 * became the owner of by failover. Frames of other sessions reach the listeners and
 * {@code onOtherFrame} only; {@link #joinSession} starts following one. When a session closes, the
 * listeners hear of it ({@code onState} with status {@code closed}), and then its replica is
 * dropped: nothing can change it any more.
 *
 * <p>The {@code state} and {@code handoff.*} frames the server pushes come from the device's inbox:
 * they pass the same sequencer as messages, so each reaches the replicas once, in seq order,
 * before it completes a future or reaches a listener or {@code onOtherFrame}. When the inbox lost
 * entries ({@code welcome.missed > 0}) every replica is read anew, and after every reconnect each
 * replica that knows it is behind.
 *
 * <p>Every future ends within the device's {@link RccsDevice.Builder#sessionTimeout session timeout}
 * (default 60 s). When no answer came by then, a request that had not gone out yet is withdrawn (it
 * is never sent later) and the future fails with a {@link TimeoutException}; one that went out
 * fails with an {@link OutcomeUnknownException} (a {@code TimeoutException} too): the server may
 * still do it. Futures fail with a {@link RccsErrorException} when the server refuses the frame
 * ({@code code()} says why), and with an {@link IllegalStateException} once the device stopped.
 * Requests the server does once per frame id (all but {@code handoff.request}'s refusal and
 * {@code handoff.reject}) are sent again with the same id when the connection is lost before the
 * answer. Futures complete on the device's event thread: continuations should not block, and a
 * handler or listener must not wait for one of these futures (its answer is handled on the very
 * thread that would wait).
 */
public final class WorkSessions {

    private static final System.Logger LOG = System.getLogger(WorkSessions.class.getName());
    /** How long a rebase waits for the versions a conflict named to arrive before reading the session anew. */
    private static final Duration REBASE_WAIT = Duration.ofSeconds(2);
    /** Sessions remembered per kind (untracked versions, closed sessions, moves told): enough, and bounded. */
    private static final int REMEMBERED = 1_000;
    private static final Duration REFRESH_BACKOFF_BASE = Duration.ofMillis(200);
    /** After a deadline, so that the timer that knows more about the failure (it fired first) gives it. */
    private static final Duration BACKSTOP_DELAY = Duration.ofMillis(100);
    /** The largest frame the gateway takes (SPEC 3.1): a bigger state.patch would get a too_large without corr. */
    static final int MAX_FRAME_BYTES = FrameCodec.DEFAULT_MAX_FRAME_BYTES;
    /**
     * No move or copy operations (zjsonpatch's diff gets those wrong in some cases), and no removed
     * value in a remove (it would only make the frame larger).
     */
    private static final EnumSet<DiffFlags> DIFF_FLAGS = diffFlags();
    /** How the relay applies a patch: a diff is checked the same way before it is sent. */
    private static final EnumSet<CompatibilityFlags> AS_THE_RELAY_APPLIES = EnumSet.of(CompatibilityFlags.FORBID_REMOVE_MISSING_OBJECT);
    /** Refusals of a state.get that another try would get again. */
    private static final Set<String> FINAL_READ_REFUSALS = Set.of(ErrorCode.NOT_FOUND.wire(), ErrorCode.NOT_TRUSTED.wire(),
            ErrorCode.FORBIDDEN.wire());
    /** One daemon thread for every device's deadlines: a timer only hops to its device's event thread. */
    private static final ScheduledThreadPoolExecutor TIMERS = timers();

    private final RccsDevice device;
    private final Duration timeout;
    private final Backoff refreshBackoff;
    private final Map<String, SessionReplica> replicas = new ConcurrentHashMap<>();
    /** Ids of the open and join frames in flight: their answer starts a replica. */
    private final Set<String> startingRequests = ConcurrentHashMap.newKeySet();
    /** Untracked sessions' newest announced version (for a join answer overtaken by a push). Guarded by itself. */
    private final Map<String, Long> untrackedAnnounced = remembered();
    /** Closed sessions (their replicas are dropped) and the version that closed them. Guarded by itself. */
    private final Map<String, Long> closedSessions = remembered();
    /** Ownership moves told to the listeners, as "session version": an accept answered twice is told once. Guarded by itself. */
    private final Map<String, Boolean> movesTold = remembered();
    /** Sessions a state.get is in flight (or waits for its next try) for: one at a time per session. */
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private final Map<String, HandoffOffer> offers = new ConcurrentHashMap<>();
    /**
     * Per session, the handoffs this device asked for, oldest first, waiting for their handoff.done.
     * The lists are immutable and replaced with {@code compute}, so that registering (any thread)
     * and settling (the event thread) never miss each other; a session without waiters has no entry.
     */
    private final Map<String, List<HandoffWaiter>> handoffsRequested = new ConcurrentHashMap<>();
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger pendingTimers = new AtomicInteger();

    /**
     * A handoff this device asked for. An orphan is one whose caller stopped waiting while its offer
     * may still be made: it keeps its place (until {@code keptUntilNanos}) so that the handoff.done
     * it may bring is not taken for a later request's to the same device.
     */
    private record HandoffWaiter(String target, CompletableFuture<HandoffDone> future, boolean orphan, long keptUntilNanos) {

        HandoffWaiter orphaned(long untilNanos) {
            return new HandoffWaiter(target, future, true, untilNanos);
        }

        boolean lapsed(long nowNanos) {
            return orphan && nowNanos - keptUntilNanos >= 0;
        }
    }

    WorkSessions(RccsDevice device, Duration timeout, Duration maxBackoff, SessionListener listener) {
        this.device = Objects.requireNonNull(device, "device");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.refreshBackoff = new Backoff(REFRESH_BACKOFF_BASE, maxBackoff);
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
        return startFollowing(RccsDevice.newFrame(FrameType.SESSION_OPEN.wire(), null, open), new Deadline(timeout));
    }

    /**
     * Follows a session of the user ({@code session.join}): completes with the whole session at its
     * current version; every later change reaches the replica. {@code not_found} for an unknown one.
     */
    public CompletableFuture<SessionSnapshot> joinSession(String session) {
        return joinSession(session, new Deadline(timeout));
    }

    /** Reads the whole session as the server has it now ({@code state.get}); a replica of it is brought up to that. */
    public CompletableFuture<SessionSnapshot> getState(String session) {
        return readWhole(session, new Deadline(timeout));
    }

    /** The user's open sessions ({@code session.list}), newest first. */
    public CompletableFuture<List<SessionInfo>> listSessions() {
        return listSessions(false);
    }

    /** The user's sessions, the closed ones too when {@code includeClosed}. */
    public CompletableFuture<List<SessionInfo>> listSessions(boolean includeClosed) {
        Frame list = RccsDevice.newFrame(FrameType.SESSION_LIST.wire(), null,
                new SessionsQuery(includeClosed ? Boolean.TRUE : null));
        return new Asking<>(list, answer -> RccsClient.payload(answer, io.rccs.model.protocol.payload.Sessions.class)
                .sessions(), new Deadline(timeout), false, true).start();
    }

    /**
     * Closes a session this device owns ({@code session.close}); completes with the version that
     * closed it. Every follower's replica gets status {@code closed} (and is dropped then). A
     * handoff of it still pending ends with {@code handoff.done} reason {@code superseded}.
     * {@code forbidden} when this device is not the owner.
     */
    public CompletableFuture<Long> closeSession(String session) {
        Frame close = RccsDevice.newFrame(FrameType.SESSION_CLOSE.wire(), null, new SessionRef(session));
        return new Asking<>(close, answer -> RccsClient.payload(answer, State.class).version(), new Deadline(timeout), true, true)
                .start();
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
     * this change made, once the replica has it (or the session timeout passed), or with the
     * replica's version when the change changed nothing (nothing is sent). Fails with an
     * {@link IllegalStateException} when the session is closed, a {@link RccsErrorException} when
     * the server refuses the patch otherwise ({@code bad_frame}: it does not apply;
     * {@code too_large}: the document would grow too large, or the patch is larger than one frame
     * may be, 64 KiB, in which case it is not sent: make the change in several smaller updates), an
     * {@link IllegalArgumentException} when {@code change} returns something else than an object,
     * or what {@code change} threw.
     */
    public CompletableFuture<Long> update(String session, Function<JsonNode, JsonNode> change) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(change, "change");
        Deadline deadline = new Deadline(timeout);
        CompletableFuture<Long> result = new CompletableFuture<>();
        SessionReplica followed = replicas.get(session);
        Long closedAt = closedVersion(session);
        if (followed == null && closedAt != null) {
            result.completeExceptionally(closed(session, closedAt));
            return result;
        }
        CompletableFuture<SessionReplica> ready = followed != null ? CompletableFuture.completedFuture(followed)
                : joinSession(session, deadline).thenApply(joined -> {
                    SessionReplica replica = replicas.get(session);
                    if (replica != null) {
                        return replica;
                    }
                    if (!joined.isOpen()) {
                        throw closed(session, joined.version());
                    }
                    throw new IllegalStateException("joined session " + session + " but have no replica of it");
                });
        ready.whenComplete((replica, failure) -> {
            Throwable cause = failure == null ? null : unwrap(failure);
            if (cause instanceof OutcomeUnknownException joinUnknown) {
                // the join may still happen, but the change was never sent: it cannot take effect
                TimeoutException notSent = new TimeoutException("the update of session " + session
                        + " was not sent: joining the session got no answer within " + timeout);
                notSent.initCause(joinUnknown);
                result.completeExceptionally(notSent);
            } else if (cause != null) {
                result.completeExceptionally(cause);
            } else {
                patch(replica, change, deadline, result);
            }
        });
        return result;
    }

    /**
     * Offers a session this device owns to device {@code to} ({@code handoff.request}). Completes with
     * the outcome, the {@code handoff.done} about this offer (its {@code to} is {@code to}): accepted
     * (ownership moved; the replica has the new owner), or not accepted (reason {@code rejected},
     * {@code timeout} when the offer lapsed, {@code superseded} when the session was closed
     * meanwhile). Fails with a {@link RccsErrorException} when the server refuses the request:
     * {@code no_capable_device} (offline, or lacks a required capability), {@code not_trusted},
     * {@code not_found}, {@code conflict} (another handoff is pending, or the session closed),
     * {@code forbidden} (not the owner); with an {@link IllegalStateException} when the session
     * closed, or failed over to another device (the relay then drops the pending offer), before the
     * offer was answered.
     */
    public CompletableFuture<HandoffDone> requestHandoff(String session, String to) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(to, "to");
        Deadline deadline = new Deadline(timeout);
        HandoffWaiter waiter = new HandoffWaiter(to, new CompletableFuture<>(), false, 0);
        // registered before the request is queued, so that its handoff.done cannot come first
        handoffsRequested.compute(session, (key, waiting) -> appended(waiting, waiter));
        Frame request = RccsDevice.newFrame(FrameType.HANDOFF_REQUEST.wire(), null, new HandoffRequest(session, to));
        // success has no answer of its own: only a refusal names the request, the outcome is a handoff.done;
        // at the deadline it says whether the request went out (and so whether the offer may still be made)
        Asking<Frame> asking = new Asking<>(request, answer -> answer, deadline, true, true);
        asking.start().whenComplete((ignored, failure) -> {
            if (failure != null) {
                waiter.future().completeExceptionally(unwrap(failure));
            }
        });
        // a backstop, just after the request's own deadline, should an answer the relay never sends end that wait early
        at(deadline.atNanos() + BACKSTOP_DELAY.toNanos(), waiter.future(), () -> waiter.future().completeExceptionally(
                new OutcomeUnknownException("no handoff.done for the offer of session " + session + " to " + to + " within "
                        + timeout + "; the offer may still be made", null)));
        waiter.future().whenComplete((done, failure) -> {
            boolean mayStillBeOffered = failure != null && unwrap(failure) instanceof OutcomeUnknownException;
            forgetRequest(session, waiter, mayStillBeOffered);
            asking.abandon();
        });
        return waiter.future().thenCompose(done -> caughtUp(replicas.get(session), done.version(), deadline)
                .thenApply(ignored -> done));
    }

    /**
     * Takes a session offered to this device ({@code handoff.accept}); completes with the
     * {@code handoff.done} that made it the owner, once the replica has the new owner and version
     * (or the session timeout passed). {@code not_found} when nothing is offered to this device,
     * {@code conflict} when the offer lapsed.
     */
    public CompletableFuture<HandoffDone> acceptHandoff(String session) {
        Deadline deadline = new Deadline(timeout);
        Frame accept = RccsDevice.newFrame(FrameType.HANDOFF_ACCEPT.wire(), null, new HandoffAnswer(session));
        return new Asking<>(accept, answer -> RccsClient.payload(answer, HandoffDone.class), deadline, true, true).start()
                .thenCompose(done -> caughtUp(followedReplica(done.session()), done.version(), deadline)
                        .thenApply(ignored -> done));
    }

    /** Declines a session offered to this device ({@code handoff.reject}); completes with the {@code handoff.done} (not accepted). */
    public CompletableFuture<HandoffDone> rejectHandoff(String session) {
        Frame reject = RccsDevice.newFrame(FrameType.HANDOFF_REJECT.wire(), null, new HandoffAnswer(session));
        // not sent again on a lost connection: a second reject of a withdrawn offer is refused as not_found
        return new Asking<>(reject, answer -> RccsClient.payload(answer, HandoffDone.class), new Deadline(timeout), true, false)
                .start();
    }

    /** The replica of an open session this device follows, if it follows it. */
    public Optional<SessionReplica> replica(String session) {
        return Optional.ofNullable(followedReplica(session));
    }

    /** Snapshots of every open session this device follows (a closed session's replica is dropped). */
    public List<SessionSnapshot> followed() {
        return replicas.values().stream().map(SessionReplica::snapshot).toList();
    }

    /** The offers made to this device that no {@code handoff.done} (or close) has ended yet. */
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
     * The RFC 6902 patch that turns {@code before} into {@code after}, without move or copy
     * operations; one that replaces the whole document when the difference takes more operations
     * than one patch may carry, or when the diff does not rebuild {@code after} exactly.
     */
    static JsonNode patchBetween(JsonNode before, JsonNode after) {
        return patchBetween(before, after, (from, to) -> JsonDiff.asJson(from, to, DIFF_FLAGS));
    }

    /** As {@link #patchBetween(JsonNode, JsonNode)} with this diff (a test can hand in a wrong one). */
    static JsonNode patchBetween(JsonNode before, JsonNode after, BinaryOperator<JsonNode> diff) {
        try {
            JsonNode ops = diff.apply(before, after);
            // applied to a copy as the relay will apply it: a diff that does not rebuild the change exactly is not sent
            if (ops.isArray() && ops.size() <= StatePatch.MAX_OPS
                    && JsonPatch.apply(ops, before, AS_THE_RELAY_APPLIES).equals(after)) {
                return ops;
            }
        } catch (RuntimeException wrong) {
            LOG.log(System.Logger.Level.DEBUG, "the diff of a change does not apply: {0}", wrong.getMessage());
        }
        ArrayNode replaceAll = FrameCodec.mapper().createArrayNode();
        replaceAll.addObject().put("op", "replace").put("path", "").set("value", after.deepCopy());
        return replaceAll;
    }

    // ---------------------------------------------------------------------------------- frames

    /** Called on the device's event thread with every frame, in the order handed over, before its future completes. */
    void onFrame(Frame frame) {
        try {
            if (frame.is(FrameType.STATE)) {
                State state = RccsClient.payload(frame, State.class);
                if (namesSession(frame, state.session())) {
                    onState(frame, state);
                }
            } else if (frame.is(FrameType.HANDOFF_OFFER)) {
                HandoffOffer offer = RccsClient.payload(frame, HandoffOffer.class);
                if (namesSession(frame, offer.session())) {
                    onOffer(offer);
                }
            } else if (frame.is(FrameType.HANDOFF_DONE)) {
                HandoffDone done = RccsClient.payload(frame, HandoffDone.class);
                if (namesSession(frame, done.session())) {
                    onDone(frame, done);
                }
            }
        } catch (RuntimeException unusable) {
            // the frame still goes on to the futures and the application, and the frames after it to the replicas
            LOG.log(System.Logger.Level.WARNING, "cannot use the " + frame.type() + " frame " + frame.id() + " for the work sessions",
                    unusable);
        }
    }

    /**
     * Called on the event thread after every {@code welcome}, before queued frames go out. Frames of
     * the inbox were lost ({@code entriesLost}): any replica may have missed versions, so all are
     * read anew. Otherwise the replicas that know they are behind (a read that failed) are.
     */
    void welcomed(boolean entriesLost) {
        for (SessionReplica replica : replicas.values()) {
            if (entriesLost || replica.isBehind()) {
                refresh(replica);
            }
        }
    }

    /** Deadline timers not yet run nor cancelled (a test checks that finished calls hold none). */
    int pendingTimers() {
        return pendingTimers.get();
    }

    /** Sessions with handoff requests waiting (a test checks that finished ones leave no entry behind). */
    int sessionsWithHandoffRequests() {
        return handoffsRequested.size();
    }

    private static boolean namesSession(Frame frame, String session) {
        if (session == null || session.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "a {0} frame without session: {1}", frame.type(), frame.id());
            return false;
        }
        return true;
    }

    private void onState(Frame frame, State state) {
        boolean answersStart = frame.corr() != null && startingRequests.remove(frame.corr());
        SessionReplica replica = replicas.get(state.session());
        if (replica != null) {
            took(replica, replica.apply(state));
            return;
        }
        if (closedVersion(state.session()) != null && !answersStart) {
            return; // a late frame of a session that closed: nothing to follow
        }
        // a whole session answering our open or join, or pushed (a failover made this device the owner)
        if (state.document() != null && (answersStart || frame.corr() == null)) {
            follow(SessionReplica.of(state));
        } else {
            noteUntracked(state.session(), state.version());
        }
    }

    private void onOffer(HandoffOffer offer) {
        HandoffOffer earlier = offers.put(offer.session(), offer);
        SessionReplica replica = replicas.get(offer.session());
        if (replica != null) {
            took(replica, replica.apply(offer));
        } else if (offer.document() != null) {
            // the device offered follows the session from the offer on
            follow(new SessionReplica(offer.session(), offer.version(), offer.from(), SessionReplica.OPEN, offer.document()));
        }
        if (!offer.equals(earlier)) { // the same offer again is no news
            tell(listener -> listener.onOffer(offer));
        }
    }

    private void onDone(Frame frame, HandoffDone done) {
        boolean fromInbox = frame.seq() != null;
        boolean endedOffer = endOffer(done, fromInbox);
        SessionReplica replica = replicas.get(done.session());
        SessionReplica.Outcome outcome = SessionReplica.Outcome.IGNORED;
        if (replica != null) {
            outcome = replica.apply(done);
        } else if (done.accepted() && closedVersion(done.session()) == null) {
            noteUntracked(done.session(), done.version());
        }
        List<Runnable> settled = settleRequests(done);
        // an accept sent again is answered again (no seq) besides the inbox copy: one move, told once; the
        // inbox delivers every other done once, and one without seq is news only if it ended something
        boolean news = done.accepted() ? firstTellingOfMove(done) : fromInbox || endedOffer || !settled.isEmpty();
        if (replica != null) {
            took(replica, outcome);
        }
        settled.forEach(Runnable::run);
        if (news) {
            tell(listener -> listener.onHandoffDone(done));
        }
    }

    /** Whether {@code done} ends the offer pending for its session; if so, the offer is gone. */
    private boolean endOffer(HandoffDone done, boolean fromInbox) {
        HandoffOffer pending = offers.get(done.session());
        if (pending == null) {
            return false;
        }
        // from the inbox, in order: whatever offer is pending is the one it ends. An answer to an accept sent
        // again (no seq) may come after a newer offer: it only ends an offer older than the version it names
        if (!fromInbox && pending.version() >= done.version()) {
            return false;
        }
        return offers.remove(done.session(), pending);
    }

    /**
     * Completions for the requests of this device that {@code done} ends: the oldest one to the device
     * it names ({@code to}). A failover away from this device ends them all with a failure: the
     * relay drops a pending offer when it moves the session, and no done of the offer's own comes.
     */
    private List<Runnable> settleRequests(HandoffDone done) {
        if (!device.deviceId().equals(done.from())) {
            return List.of(); // done.from is the owner that offered: the requests of another device
        }
        List<Runnable> completions = new ArrayList<>();
        handoffsRequested.computeIfPresent(done.session(), (session, waiting) -> {
            long now = System.nanoTime();
            List<HandoffWaiter> left = new ArrayList<>(waiting.size());
            waiting.stream().filter(waiter -> !waiter.lapsed(now)).forEach(left::add);
            if (done.accepted() && HandoffDone.FAILOVER.equals(done.reason())) {
                for (HandoffWaiter waiter : left) {
                    if (!waiter.orphan()) {
                        completions.add(() -> waiter.future().completeExceptionally(new IllegalStateException("session " + session
                                + " failed over to " + done.owner() + " (version " + done.version() + ") before the offer to "
                                + waiter.target() + " was answered: the offer was dropped")));
                    }
                }
                left.clear();
            } else {
                // a relay from before "to" does not say: an accepted done names the target as the owner, else the oldest
                String target = done.to() != null ? done.to() : done.accepted() ? done.owner() : null;
                for (Iterator<HandoffWaiter> it = left.iterator(); it.hasNext();) {
                    HandoffWaiter waiter = it.next();
                    if (target == null || target.equals(waiter.target())) {
                        it.remove();
                        if (!waiter.orphan()) { // an orphan takes the done it was kept for
                            completions.add(() -> waiter.future().complete(done));
                        }
                        break; // the oldest: an earlier request's outcome comes before a later one's
                    }
                }
            }
            return left.isEmpty() ? null : List.copyOf(left);
        });
        return completions;
    }

    /** A request's future completed: it leaves the waiting list, or stays as an orphan when its offer may still be made. */
    private void forgetRequest(String session, HandoffWaiter finished, boolean mayStillBeOffered) {
        handoffsRequested.computeIfPresent(session, (key, waiting) -> {
            long now = System.nanoTime();
            List<HandoffWaiter> left = new ArrayList<>(waiting.size());
            for (HandoffWaiter waiter : waiting) {
                if (waiter == finished) {
                    if (mayStillBeOffered) {
                        left.add(waiter.orphaned(now + timeout.toNanos()));
                    }
                } else if (!waiter.lapsed(now)) {
                    left.add(waiter);
                }
            }
            return left.isEmpty() ? null : List.copyOf(left);
        });
    }

    private static List<HandoffWaiter> appended(List<HandoffWaiter> waiting, HandoffWaiter waiter) {
        List<HandoffWaiter> more = waiting == null ? new ArrayList<>() : new ArrayList<>(waiting);
        more.add(waiter);
        return List.copyOf(more);
    }

    private boolean firstTellingOfMove(HandoffDone done) {
        synchronized (movesTold) {
            return movesTold.put(done.session() + ' ' + done.version(), Boolean.TRUE) == null;
        }
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
                if (!now.isOpen()) {
                    retire(replica, now); // after the listeners: they hear of the close from this replica
                }
            }
            case GAP -> refresh(replica);
            case IGNORED -> {
                // a version it has, or no version step
            }
        }
    }

    /**
     * A session closed: nothing can change it any more, so its replica, offer and handoff requests
     * go (a request still waiting fails: the session closed before its offer was answered). Only its
     * id and closing version are remembered, so that late frames do not start a replica again.
     */
    private void retire(SessionReplica replica, SessionSnapshot closed) {
        String session = closed.session();
        synchronized (closedSessions) {
            closedSessions.put(session, closed.version());
        }
        replicas.remove(session, replica);
        offers.remove(session);
        synchronized (untrackedAnnounced) {
            untrackedAnnounced.remove(session);
        }
        List<HandoffWaiter> waiting = handoffsRequested.remove(session);
        if (waiting != null) {
            for (HandoffWaiter waiter : waiting) {
                if (!waiter.orphan()) {
                    waiter.future().completeExceptionally(new IllegalStateException("session " + session + " closed (version "
                            + closed.version() + ") before the offer to " + waiter.target() + " was answered"));
                }
            }
        }
    }

    private Long closedVersion(String session) {
        synchronized (closedSessions) {
            return closedSessions.get(session);
        }
    }

    private static IllegalStateException closed(String session, long version) {
        return new IllegalStateException("session " + session + " is closed (version " + version + "): the change was not made");
    }

    private SessionReplica followedReplica(String session) {
        return session == null ? null : replicas.get(session);
    }

    private void noteUntracked(String session, long version) {
        synchronized (untrackedAnnounced) {
            untrackedAnnounced.merge(session, version, Math::max);
        }
    }

    /**
     * Reads the whole session to mend a gap; again after the answer if newer versions were announced
     * meanwhile. A read that fails is tried again after a backoff, each try bounded, all of them
     * within one session timeout; should they all fail, the replica stays behind and the next gap or
     * reconnect reads it again.
     */
    private void refresh(SessionReplica replica) {
        if (replicas.get(replica.session()) != replica || !refreshing.add(replica.session())) {
            return; // dropped; or one in flight: its answer is at least as new as this gap needs, or the check after it asks again
        }
        readAnew(replica, 1, new Deadline(timeout));
    }

    private void readAnew(SessionReplica replica, int attempt, Deadline within) {
        String session = replica.session();
        long before = replica.version();
        Frame get = RccsDevice.newFrame(FrameType.STATE_GET.wire(), null, new StateGet(session));
        // a third of the time per try, so that a read lost without an answer is tried again too
        Deadline tryDeadline = within.atMost(timeout.dividedBy(3));
        new Asking<Frame>(get, answer -> answer, tryDeadline, false, true).start().whenComplete((answer, failure) -> {
            if (failure == null) {
                refreshing.remove(session);
                if (replica.isBehind() && replica.version() > before) {
                    refresh(replica);
                }
                return;
            }
            Throwable cause = unwrap(failure);
            boolean hopeless = cause instanceof RccsErrorException refused ? FINAL_READ_REFUSALS.contains(refused.code())
                    : !(cause instanceof TimeoutException); // the device stopped
            // mended meanwhile (a rebase read it, say), or dropped: no need to try again
            boolean needless = (replica.version() > before && !replica.isBehind()) || replicas.get(session) != replica;
            if (hopeless || needless || !within.left()) {
                refreshing.remove(session);
                LOG.log(System.Logger.Level.INFO, "could not read session {0} anew: {1}", session, cause.getMessage());
                return;
            }
            Duration delay = refreshBackoff.delay(attempt);
            long retryAt = System.nanoTime() + Math.min(delay.toNanos(), within.remaining().toNanos());
            at(retryAt, null, () -> readAnew(replica, attempt + 1, within));
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

    private CompletableFuture<SessionSnapshot> joinSession(String session, Deadline deadline) {
        return startFollowing(RccsDevice.newFrame(FrameType.SESSION_JOIN.wire(), null, new SessionRef(session)), deadline);
    }

    /** Sends an open or join: its answer starts the replica (in {@link #onFrame}, before the future completes). */
    private CompletableFuture<SessionSnapshot> startFollowing(Frame request, Deadline deadline) {
        startingRequests.add(request.id());
        return new Asking<>(request, WorkSessions::snapshotOf, deadline, true, true).start()
                .whenComplete((snapshot, failure) -> startingRequests.remove(request.id()));
    }

    /** A state.get: its answer replaces the replica, if there is one (in {@link #onFrame}). */
    private CompletableFuture<SessionSnapshot> readWhole(String session, Deadline deadline) {
        Frame get = RccsDevice.newFrame(FrameType.STATE_GET.wire(), null, new StateGet(session));
        return new Asking<>(get, WorkSessions::snapshotOf, deadline, false, true).start();
    }

    /** One attempt at a change: diff against the replica, patch, and on conflict rebase and go again. */
    private void patch(SessionReplica replica, Function<JsonNode, JsonNode> change, Deadline deadline,
            CompletableFuture<Long> result) {
        if (result.isDone()) {
            return;
        }
        SessionSnapshot base = replica.snapshot();
        if (!base.isOpen()) {
            result.completeExceptionally(closed(base.session(), base.version()));
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
        int bytes = FrameCodec.encode(frame).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_FRAME_BYTES) {
            // the gateway would answer too_large without corr (it cannot read the id of what it refuses): say it here
            result.completeExceptionally(tooLarge(frame, base.session(), bytes));
            return;
        }
        new Asking<>(frame, answer -> RccsClient.payload(answer, State.class).version(), deadline, true, true).start()
                .whenComplete((version, failure) -> {
                    if (failure == null) {
                        caughtUp(replica, version, deadline).whenComplete((ignored, never) -> result.complete(version));
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

    private static RccsErrorException tooLarge(Frame patch, String session, int bytes) {
        ObjectNode details = FrameCodec.mapper().createObjectNode().put("session", session).put("bytes", bytes)
                .put("maxBytes", MAX_FRAME_BYTES);
        ErrorPayload error = new ErrorPayload(ErrorCode.TOO_LARGE.wire(), "the patch is " + bytes
                + " bytes as a frame, more than the " + MAX_FRAME_BYTES + " a frame may have: make the change in several"
                + " smaller updates", false, details);
        Frame refusal = Frame.server("local-" + RccsClient.newId(), FrameType.ERROR, patch.id(), FrameCodec.toPayload(error));
        return new RccsErrorException("state.patch of session " + session + " was not sent", refusal, error);
    }

    /**
     * Brings the replica up to the version a conflict named: the frames of the versions in between
     * are on their way through the inbox, so wait for them a little; should they not come (lost with
     * a connection, say), read the session anew. A replica that knows it is behind (a gap) reads at
     * once: the frames it misses are not on their way.
     */
    private CompletableFuture<?> rebase(SessionReplica replica, long base, RccsErrorException conflict, Deadline deadline) {
        if (replica.isBehind()) {
            return readWhole(replica.session(), deadline); // its answer replaces the replica (onFrame)
        }
        JsonNode named = conflict.error().details() == null ? null : conflict.error().details().get("version");
        long current = named != null && named.canConvertToLong() ? named.asLong() : base + 1;
        long target = Math.max(current, base + 1); // a conflict means at least one newer version
        CompletableFuture<SessionSnapshot> caughtUp = replica.awaitVersion(target);
        at(deadline.atMost(REBASE_WAIT).atNanos(), caughtUp, () -> caughtUp.completeExceptionally(new TimeoutException(
                "versions up to " + target + " of session " + replica.session() + " did not come within " + REBASE_WAIT)));
        return caughtUp.exceptionallyCompose(slow -> readWhole(replica.session(), deadline));
    }

    /**
     * Completes (never exceptionally) once the replica has at least {@code version}, which the server
     * just named as made, so that a caller reading the replica next sees it; or at the deadline. The
     * frames of the versions up to it are on their way: after a short wait (at once when the replica
     * knows it is behind) the session is read anew.
     */
    private CompletableFuture<Void> caughtUp(SessionReplica replica, long version, Deadline deadline) {
        if (replica == null || replica.version() >= version) {
            return CompletableFuture.completedFuture(null);
        }
        boolean gapOpen = replica.isBehind();
        replica.noteAnnounced(version); // the server made it: until the replica has it, the replica is behind
        CompletableFuture<SessionSnapshot> reached = replica.awaitVersion(version);
        if (gapOpen) {
            refresh(replica);
        } else {
            at(deadline.atMost(REBASE_WAIT).atNanos(), reached, () -> refresh(replica));
        }
        at(deadline.atNanos(), reached, () -> reached.completeExceptionally(new TimeoutException("version " + version
                + " of session " + replica.session() + " did not reach the replica within " + timeout)));
        return reached.handle((snapshot, slow) -> null);
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

    // ---------------------------------------------------------------------------------- timers

    /**
     * Runs {@code task} on the device's event thread at {@code atNanos} ({@link System#nanoTime()}),
     * unless {@code unlessDone} (may be null) completes first: that cancels the timer at once, so a
     * finished call leaves nothing behind that holds its future (and the document it may carry).
     */
    private void at(long atNanos, CompletableFuture<?> unlessDone, Runnable task) {
        if (unlessDone != null && unlessDone.isDone()) {
            return;
        }
        pendingTimers.incrementAndGet();
        ScheduledFuture<?> timer = TIMERS.schedule(() -> {
            pendingTimers.decrementAndGet();
            Runnable due = () -> {
                if (unlessDone == null || !unlessDone.isDone()) {
                    task.run();
                }
            };
            if (!device.onEventThread(due)) {
                due.run(); // the device stopped: nothing else would end the wait
            }
        }, Math.max(0, atNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (unlessDone != null) {
            unlessDone.whenComplete((result, failure) -> {
                if (timer.cancel(false)) {
                    pendingTimers.decrementAndGet();
                }
            });
        }
    }

    private static ScheduledThreadPoolExecutor timers() {
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "rccs-session-timers");
            thread.setDaemon(true);
            return thread;
        });
        timers.setRemoveOnCancelPolicy(true); // a cancelled timer lets go of what it refers to at once
        return timers;
    }

    private static EnumSet<DiffFlags> diffFlags() {
        EnumSet<DiffFlags> flags = DiffFlags.dontNormalizeOpIntoMoveAndCopy();
        flags.add(DiffFlags.OMIT_VALUE_ON_REMOVE);
        return flags;
    }

    private static <V> Map<String, V> remembered() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > REMEMBERED;
            }
        };
    }

    /** The time a call may take, shared by the frames it sends. */
    private static final class Deadline {
        private final long atNanos;

        Deadline(Duration limit) {
            this(System.nanoTime() + limit.toNanos());
        }

        private Deadline(long atNanos) {
            this.atNanos = atNanos;
        }

        long atNanos() {
            return atNanos;
        }

        Duration remaining() {
            return Duration.ofNanos(Math.max(0, atNanos - System.nanoTime()));
        }

        boolean left() {
            return atNanos - System.nanoTime() > 0;
        }

        /** This deadline, or {@code limit} from now if that comes first. */
        Deadline atMost(Duration limit) {
            long other = System.nanoTime() + limit.toNanos();
            return other - atNanos < 0 ? new Deadline(other) : this;
        }
    }

    /**
     * One request frame and its answer: sent (again with the same id after a lost connection, when
     * {@code resend}) until answered or its deadline passes. At the deadline the frame is withdrawn
     * from the outbox, and the failure says whether it went out: a {@link TimeoutException} when it
     * did not (it never will), an {@link OutcomeUnknownException} when it did and {@code changes}
     * something (the server may still do it).
     */
    private final class Asking<T> {
        private final Frame frame;
        private final Function<Frame, T> reading;
        private final Deadline deadline;
        private final boolean changes;
        private final boolean resend;
        private final CompletableFuture<T> result = new CompletableFuture<>();
        /** A send of the frame went out on a connection that was lost before the answer. */
        private volatile boolean wentOut;

        Asking(Frame frame, Function<Frame, T> reading, Deadline deadline, boolean changes, boolean resend) {
            this.frame = frame;
            this.reading = reading;
            this.deadline = deadline;
            this.changes = changes;
            this.resend = resend;
        }

        CompletableFuture<T> start() {
            if (!deadline.left()) {
                // not even queued: a frame whose caller stopped waiting must not go out later
                result.completeExceptionally(new TimeoutException(describe() + " was not sent: the session timeout of "
                        + timeout + " had passed"));
                return result;
            }
            at(deadline.atNanos(), result, () -> expire(null));
            attempt();
            return result;
        }

        /** Nobody needs the answer any more (the outcome came some other way): withdraw the frame if it waits. */
        void abandon() {
            if (result.cancel(false)) {
                device.onEventThread(() -> device.withdrawUnsent(frame.id()));
            }
        }

        private void attempt() {
            device.ask(frame, reading, deadline.atNanos()).whenComplete((answer, failure) -> {
                if (failure == null) {
                    result.complete(answer);
                    return;
                }
                Throwable cause = unwrap(failure);
                if (!(cause instanceof ConnectionLostException)) {
                    result.completeExceptionally(cause);
                    return;
                }
                wentOut = true;
                if (result.isDone()) {
                    return;
                }
                if (!resend) {
                    result.completeExceptionally(cause);
                } else if (deadline.left()) {
                    attempt();
                } else {
                    expire(cause);
                }
            });
        }

        /** The deadline passed: the frame is withdrawn where it waits, and the failure says whether it may still take effect. */
        private void expire(Throwable cause) {
            if (result.isDone()) {
                return;
            }
            if (!device.onEventThread(() -> settle(device.withdrawUnsent(frame.id()), cause))) {
                settle(false, cause); // stopped: nothing goes out any more, but it may have before
            }
        }

        private void settle(boolean unsent, Throwable cause) {
            String what = describe() + " got no answer within " + timeout;
            TimeoutException failure;
            if (unsent && !wentOut) {
                failure = new TimeoutException(what + "; it was not sent, and will not be: it did not take effect");
            } else if (changes) {
                failure = new OutcomeUnknownException(what + "; it went out, so it may still take effect", cause);
            } else {
                failure = new TimeoutException(what);
                if (cause != null) {
                    failure.initCause(cause);
                }
            }
            result.completeExceptionally(failure);
        }

        private String describe() {
            JsonNode session = frame.payload().get("session");
            JsonNode to = frame.payload().get("to");
            return frame.type() + (session == null ? "" : " of session " + session.asText())
                    + (to == null ? "" : " to " + to.asText());
        }
    }
}
