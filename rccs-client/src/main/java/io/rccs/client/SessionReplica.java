package io.rccs.client;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.flipkart.zjsonpatch.JsonPatch;
import com.flipkart.zjsonpatch.JsonPatchApplicationException;

import io.rccs.model.protocol.payload.HandoffDone;
import io.rccs.model.protocol.payload.HandoffOffer;
import io.rccs.model.protocol.payload.State;

/**
 * One device's copy of a work session (SPEC 3.5): version, owner, status and state document, kept
 * up to date from the frames the server pushes. Every change makes the next version: a
 * {@code state} with {@code ops} (a patch), a {@code state} without (the session closed), an
 * accepted {@code handoff.done} (the owner changed; no {@code state} comes for that version).
 *
 * <p>A replica at version {@code v} applies what makes {@code v + 1}, ignores what it has already
 * ({@code version <= v}), and reports a {@link Outcome#GAP} for anything further ahead: its holder
 * then reads the whole session ({@code state.get}) and {@link #replace}s the replica with it. A whole
 * document (the answer to {@code session.open}, {@code session.join}, {@code state.get}, a
 * {@code handoff.offer}, or the one a failover's new owner gets) replaces the replica when it is
 * not older.
 *
 * <p>Pure logic, no I/O. Thread-safe: frames come on the device's event thread while the
 * application reads; futures from {@link #awaitVersion} are completed outside the lock. Only the
 * device changes a replica (its mutators are package-private): the application reads it.
 */
public final class SessionReplica {

    public static final String OPEN = "open";
    public static final String CLOSED = "closed";

    /** What a frame did to the replica. */
    public enum Outcome {
        /** The replica changed. */
        APPLIED,
        /** Nothing to do: a version the replica has, or a frame that is no version step. */
        IGNORED,
        /** The frame is ahead of the next version (or its ops do not apply): read the whole session. */
        GAP
    }

    private record VersionWaiter(long version, CompletableFuture<SessionSnapshot> future) {
    }

    private final String sessionId;
    private final Object lock = new Object();
    private final List<VersionWaiter> waiters = new ArrayList<>();
    private long version;
    private String owner;
    private String status;
    private JsonNode document;
    /** The newest version any frame announced: above {@link #version}, the replica is behind. */
    private long newestAnnounced;

    /** A replica of {@code session} at {@code version} with this document (copied). */
    public SessionReplica(String session, long version, String owner, String status, JsonNode document) {
        this.sessionId = Objects.requireNonNull(session, "session");
        this.version = version;
        this.owner = owner;
        this.status = status == null ? OPEN : status;
        this.document = Objects.requireNonNull(document, "document").deepCopy();
        this.newestAnnounced = version;
    }

    /** A replica from a {@code state} that carries the whole document. */
    public static SessionReplica of(State whole) {
        if (whole.document() == null) {
            throw new IllegalArgumentException("a state without document cannot start a replica of " + whole.session());
        }
        return new SessionReplica(whole.session(), whole.version(), whole.owner(), whole.status(), whole.document());
    }

    public String session() {
        return sessionId;
    }

    /**
     * Takes a {@code state} frame's payload: the whole document (replaces the replica unless older)
     * or the step to one version ({@code ops}, or a new status or owner without ops).
     */
    Outcome apply(State state) {
        requireSameSession(state.session());
        if (state.document() != null) {
            return replace(state.version(), state.owner(), state.status(), state.document());
        }
        Reached reached;
        synchronized (lock) {
            Outcome step = checkStep(state.version());
            if (step != Outcome.APPLIED) {
                return step;
            }
            JsonNode next = document;
            if (state.ops() != null && !state.ops().isEmpty()) {
                try {
                    // the ops are copied first: the same frame reaches the application, which may change it
                    next = JsonPatch.apply(state.ops().deepCopy(), document); // a copy: the old document stays whole on failure
                } catch (JsonPatchApplicationException | IllegalArgumentException diverged) {
                    // this copy is not the document the server patched: only the whole one can mend it
                    return Outcome.GAP;
                }
            }
            document = next;
            version = state.version();
            if (state.owner() != null) {
                owner = state.owner();
            }
            if (state.status() != null) {
                status = state.status();
            }
            reached = reachedWaiters();
        }
        complete(reached);
        return Outcome.APPLIED;
    }

    /**
     * Takes a {@code handoff.done}: an accepted one is the version step that moves ownership; a
     * refused or lapsed one changes nothing (the owner stays, the version too).
     */
    Outcome apply(HandoffDone done) {
        requireSameSession(done.session());
        if (!done.accepted()) {
            return Outcome.IGNORED;
        }
        Reached reached;
        synchronized (lock) {
            Outcome step = checkStep(done.version());
            if (step != Outcome.APPLIED) {
                return step;
            }
            version = done.version();
            owner = done.owner();
            reached = reachedWaiters();
        }
        complete(reached);
        return Outcome.APPLIED;
    }

    /** Takes a {@code handoff.offer}: it carries the whole document at its version, owned by the offering device. */
    Outcome apply(HandoffOffer offer) {
        requireSameSession(offer.session());
        if (offer.document() == null) {
            return Outcome.IGNORED;
        }
        return replace(offer.version(), offer.from(), OPEN, offer.document());
    }

    /**
     * Replaces the replica with the whole session at {@code newVersion}, unless the replica is newer
     * already (an answer that crossed versions pushed meanwhile).
     */
    Outcome replace(long newVersion, String newOwner, String newStatus, JsonNode newDocument) {
        Objects.requireNonNull(newDocument, "newDocument");
        Reached reached;
        synchronized (lock) {
            if (newVersion < version) {
                return Outcome.IGNORED;
            }
            version = newVersion;
            newestAnnounced = Math.max(newestAnnounced, newVersion);
            if (newOwner != null) {
                owner = newOwner;
            }
            if (newStatus != null) {
                status = newStatus;
            }
            document = newDocument.deepCopy();
            reached = reachedWaiters();
        }
        complete(reached);
        return Outcome.APPLIED;
    }

    /** A frame for this session announced {@code announced} (even if it could not be applied). */
    void noteAnnounced(long announced) {
        synchronized (lock) {
            newestAnnounced = Math.max(newestAnnounced, announced);
        }
    }

    /** Whether some frame announced a version newer than the replica's: it should read the whole session. */
    public boolean isBehind() {
        synchronized (lock) {
            return newestAnnounced > version;
        }
    }

    /**
     * Completes with a snapshot as soon as the replica reaches {@code atLeast} (at once when it has).
     * Never completes when that version never comes: bound the wait.
     */
    public CompletableFuture<SessionSnapshot> awaitVersion(long atLeast) {
        CompletableFuture<SessionSnapshot> future = new CompletableFuture<>();
        SessionSnapshot now;
        synchronized (lock) {
            if (version < atLeast) {
                waiters.removeIf(waiter -> waiter.future().isDone()); // given up on (timed out): a version that never comes
                waiters.add(new VersionWaiter(atLeast, future));
                return future;
            }
            now = snapshotLocked();
        }
        future.complete(now);
        return future;
    }

    public long version() {
        synchronized (lock) {
            return version;
        }
    }

    public String owner() {
        synchronized (lock) {
            return owner;
        }
    }

    public String status() {
        synchronized (lock) {
            return status;
        }
    }

    public boolean isOpen() {
        return OPEN.equals(status());
    }

    /** A copy of the document: changing it does not change the replica. */
    public JsonNode document() {
        synchronized (lock) {
            return document.deepCopy();
        }
    }

    /** Version, owner, status and document, all of one moment. */
    public SessionSnapshot snapshot() {
        synchronized (lock) {
            return snapshotLocked();
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "SessionReplica[" + sessionId + " v" + version + ", owner " + owner + ", " + status + "]";
        }
    }

    /** Must hold the lock. APPLIED: the version is the next one; IGNORED: had it; GAP: ahead. */
    private Outcome checkStep(long announced) {
        newestAnnounced = Math.max(newestAnnounced, announced);
        if (announced <= version) {
            return Outcome.IGNORED;
        }
        return announced == version + 1 ? Outcome.APPLIED : Outcome.GAP;
    }

    private SessionSnapshot snapshotLocked() {
        return new SessionSnapshot(sessionId, version, owner, status, document.deepCopy());
    }

    /** Must hold the lock: takes the waiters the current version satisfies, with a snapshot for them. */
    private Reached reachedWaiters() {
        List<CompletableFuture<SessionSnapshot>> futures = new ArrayList<>();
        for (Iterator<VersionWaiter> it = waiters.iterator(); it.hasNext();) {
            VersionWaiter waiter = it.next();
            if (waiter.version() <= version) {
                it.remove();
                futures.add(waiter.future());
            }
        }
        return futures.isEmpty() ? Reached.NONE : new Reached(futures, snapshotLocked());
    }

    /** Waiters to complete once the lock is released. */
    private record Reached(List<CompletableFuture<SessionSnapshot>> futures, SessionSnapshot snapshot) {
        static final Reached NONE = new Reached(List.of(), null);
    }

    private static void complete(Reached reached) {
        // outside the lock: a waiter's continuation may read the replica or send frames
        reached.futures().forEach(future -> future.complete(reached.snapshot()));
    }

    private void requireSameSession(String other) {
        if (!sessionId.equals(other)) {
            throw new IllegalArgumentException("a frame of session " + other + " given to the replica of " + sessionId);
        }
    }
}
