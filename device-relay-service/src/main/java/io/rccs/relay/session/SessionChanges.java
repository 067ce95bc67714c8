package io.rccs.relay.session;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.logging.Log;
import io.rccs.common.consumption.Failures;
import io.rccs.common.consumption.ReliableSteps;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.SessionEvent;
import io.rccs.model.protocol.Frame;
import io.rccs.relay.device.DeviceCache.UserDevices;
import io.rccs.relay.inbox.InboxRouter;
import io.rccs.relay.inbox.InboxStore;
import io.rccs.relay.inbox.InboxStore.Entry;
import io.rccs.relay.inbox.InboxStore.Stored;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * What every session change does with its transaction and after it. Within: the change is logged
 * (with the event for rccs.session.events) and the frames for the session's devices are put in their
 * inboxes, so that a change and the frames that announce it commit together or not at all. After:
 * the frames are sent to the devices that are online (the inbox sends the rest later), and the
 * event is handed to the producer and marked published once the broker has it; one that fails, or
 * that a relay stop leaves unmarked, is published by the maintenance sweep.
 */
@ApplicationScoped
public class SessionChanges {

    /** The sender of the frames sessions put in inboxes. */
    public static final String SENDER = "@sessions";

    /** A change: what to log (no event: a change of no version, such as a handoff offer) and what to store. */
    public record Change(String sessionId, long version, String kind, String deviceId, String frameId, String event,
            List<Entry> entries) {
    }

    /** A change as committed: its inbox entries with their seqs. */
    public record Committed(Change change, List<Stored> stored) {
    }

    private final SessionStore store;
    private final InboxStore inbox;
    private final InboxRouter router;
    private final SessionEventPublisher events;
    private final ReliableSteps steps;

    public SessionChanges(SessionStore store, InboxStore inbox, InboxRouter router, SessionEventPublisher events,
            ReliableSteps steps) {
        this.store = store;
        this.inbox = inbox;
        this.router = router;
        this.events = events;
        this.steps = steps;
    }

    /** Logs the change and stores its frames, within the caller's transaction. */
    public Uni<Committed> record(SqlConnection connection, Change change) {
        Uni<Void> logged = change.event() == null ? Uni.createFrom().voidItem()
                : store.logChange(connection, change.sessionId(), change.version(), change.kind(), change.deviceId(),
                        change.frameId(), change.event());
        return logged.chain(() -> change.entries().isEmpty() ? Uni.createFrom().item(List.<Stored>of())
                : inbox.append(connection, change.entries(), List.of()))
                .map(stored -> new Committed(change, stored));
    }

    /** Sends the stored frames to the online devices, then publishes the event; retried until done. */
    public Uni<Void> afterCommit(Committed committed) {
        Change change = committed.change();
        Uni<Void> delivered = committed.stored().isEmpty() ? Uni.createFrom().voidItem()
                : steps.untilDone("session delivery", () -> router.deliverStored(committed.stored()))
                        // stored already: the redelivery sweep or the device's next hello sends it
                        .onFailure().recoverWithItem(failure -> {
                            Log.warnf("delivery of session %s v%d failed for good: %s", change.sessionId(), change.version(),
                                    Failures.describe(failure));
                            return null;
                        });
        if (change.event() != null) {
            publishInBackground(change);
        }
        return delivered;
    }

    /**
     * Hands the event to the producer now (so one session's events leave in the order of their
     * changes) without holding up the next frame for the broker's acknowledgement and the marking
     * transaction. One that fails stays unmarked in the log, and the maintenance sweep publishes it
     * a few seconds later: at least once, never lost.
     */
    private void publishInBackground(Change change) {
        publishAndMark(change.sessionId(), change.version(), change.event())
                .subscribe().with(ignored -> {
                }, failure -> Log.debugf("session %s v%d: event left to the sweep: %s", change.sessionId(), change.version(),
                        Failures.describe(failure)));
    }

    /** Publishes a logged change's event and marks it published once the broker has it. */
    Uni<Void> publishAndMark(String sessionId, long version, String event) {
        return events.publish(sessionId, event).chain(() -> store.markPublished(sessionId, version));
    }

    /** {@link #afterCommit(Committed)} of a change made now; nothing for one that was made before. */
    public Uni<Void> afterCommit(java.util.Optional<Committed> committed) {
        return committed.isPresent() ? afterCommit(committed.get()) : Uni.createFrom().voidItem();
    }

    /** The CloudEvent JSON of a change, as it is logged and published. */
    public static String event(String type, WorkSession session, String previousOwner, JsonNode ops) {
        SessionEvent data = new SessionEvent(session.sessionId(), session.userId(), session.name(), session.owner(),
                previousOwner, session.version(), session.status(), session.requires(), session.failover(), ops);
        return CloudEvent.of(type, SessionEventPublisher.SOURCE, session.sessionId(), data).toJson();
    }

    /**
     * One inbox entry per member the user still trusts, each with the frame {@code frameFor} makes for
     * that device; {@code key} makes a change handled twice store its frames once.
     */
    public static List<Entry> toMembers(WorkSession session, UserDevices devices, String key, Function<String, Frame> frameFor) {
        return toDevices(session, session.members(), devices, key, frameFor);
    }

    /** As {@link #toMembers}, for the given devices of the session's user. */
    public static List<Entry> toDevices(WorkSession session, List<String> deviceIds, UserDevices devices, String key,
            Function<String, Frame> frameFor) {
        List<Entry> entries = new ArrayList<>(deviceIds.size());
        for (String deviceId : deviceIds) {
            if (devices.trusts(deviceId)) {
                entries.add(new Entry(session.userId(), deviceId, SENDER, key, frameFor.apply(deviceId)));
            }
        }
        return entries;
    }

    /** The inbox key of the frames that announce a version. */
    public static String versionKey(WorkSession session) {
        return session.sessionId() + ".v" + session.version();
    }
}
