package io.rccs.relay.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.rccs.common.DeliverySender;
import io.rccs.common.ServerFrames;
import io.rccs.model.events.EventTypes;
import io.rccs.model.presence.PresenceEntry;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.HandoffDone;
import io.rccs.relay.RelayConfig;
import io.rccs.relay.device.DeviceCache;
import io.rccs.relay.device.DeviceCache.Known;
import io.rccs.relay.device.DeviceCache.UserDevices;
import io.rccs.relay.inbox.InboxStore.Entry;
import io.rccs.relay.session.SessionChanges.Change;
import io.rccs.relay.session.SessionChanges.Committed;
import io.rccs.relay.session.SessionStore.DueFailover;
import io.smallrye.mutiny.Uni;

/**
 * Failover (SPEC 3.5): when a session's owner has been gone for the session's grace period, its
 * ownership moves to another trusted online device of the user with the required capabilities, the
 * most recently active desktop first. The timers live in the database (relay.work_session
 * failover_at): they survive a relay restart, and a due session is claimed by one relay instance
 * ({@code FOR UPDATE SKIP LOCKED}). With no capable device online the session waits, tried again
 * after {@code failover-recheck} and as soon as a device of the user connects.
 */
@ApplicationScoped
public class Failover {

    private final SessionStore store;
    private final SessionChanges changes;
    private final DeviceCache devices;
    private final DeliverySender deliveries;
    private final RelayConfig.Sessions config;
    private final Counter failedOver;

    public Failover(SessionStore store, SessionChanges changes, DeviceCache devices, DeliverySender deliveries,
            RelayConfig config, MeterRegistry metrics) {
        this.store = store;
        this.changes = changes;
        this.devices = devices;
        this.deliveries = deliveries;
        this.config = config.sessions();
        this.failedOver = metrics.counter("rccs_sessions_failed_over_total");
    }

    /** The device's last connection closed: the sessions it owns start their grace period. */
    public Uni<Integer> ownerGone(String userId, String deviceId) {
        return store.ownerGone(userId, deviceId);
    }

    /** A device said hello: what it owns stays with it, and sessions waiting for a capable device are due. */
    public Uni<Integer> deviceBack(String userId, String deviceId) {
        return store.deviceBack(userId, deviceId);
    }

    /** Tries the failovers that are due; returns how many sessions moved. */
    Uni<Integer> run(int limit) {
        return store.claimFailovers(config.failoverRecheck(), limit).chain(due -> {
            List<Uni<Boolean>> each = new ArrayList<>(due.size());
            due.forEach(session -> each.add(attempt(session)));
            if (each.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            return Uni.join().all(each).andCollectFailures()
                    .map(moved -> (int) moved.stream().filter(Boolean::booleanValue).count());
        });
    }

    private Uni<Boolean> attempt(DueFailover due) {
        return devices.of(due.userId()).chain(mine -> {
            List<Known> capable = mine.all().stream()
                    .filter(device -> device.trusted() && !device.deviceId().equals(due.owner()))
                    .filter(device -> device.canRun(due.requires()))
                    .toList();
            List<String> asked = new ArrayList<>(capable.stream().map(Known::deviceId).toList());
            asked.add(due.owner());
            return deliveries.presence(due.userId(), asked).chain(online -> {
                if (online.containsKey(due.owner()) && mine.trusts(due.owner())) { // a revoked owner's presence may linger
                    return store.deviceBack(due.userId(), due.owner()).replaceWith(false); // back: nothing moves
                }
                Optional<Known> next = best(capable, online);
                if (next.isEmpty()) {
                    return Uni.createFrom().item(false); // waits: tried again after the recheck, or when a device connects
                }
                return moveTo(due, next.get().deviceId(), mine);
            });
        });
    }

    /** Online capable devices: desktops first, then the most recently active. */
    private static Optional<Known> best(List<Known> capable, Map<String, PresenceEntry> online) {
        return capable.stream().filter(device -> online.containsKey(device.deviceId())).min(Known.PREFERRED);
    }

    private Uni<Boolean> moveTo(DueFailover due, String newOwner, UserDevices mine) {
        return store.inTransaction(connection -> store.lockIfOwnerGone(connection, due.userId(), due.sessionId(), due.owner())
                .chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(Optional.<Committed>empty()); // the owner came back, or it moved or closed
                    }
                    WorkSession session = found.get();
                    boolean followedAlready = session.isMember(newOwner);
                    WorkSession moved = session.withOwner(newOwner).next();
                    return store.update(connection, moved, true).chain(updated -> {
                        List<Entry> entries = new ArrayList<>();
                        String key = SessionChanges.versionKey(updated);
                        if (!followedAlready && mine.trusts(newOwner)) {
                            // the new owner did not follow the session: it gets the document first
                            entries.add(new Entry(updated.userId(), newOwner, SessionChanges.SENDER, key + ".doc",
                                    SessionFrames.whole(updated, null)));
                        }
                        entries.addAll(SessionChanges.toMembers(updated, mine, key, member -> ServerFrames.of(FrameType.HANDOFF_DONE,
                                null, new HandoffDone(updated.sessionId(), updated.owner(), due.owner(), updated.owner(), updated.version(), true,
                                        HandoffDone.FAILOVER))));
                        return changes.record(connection, new Change(updated.sessionId(), updated.version(), "failed-over",
                                null, null, SessionChanges.event(EventTypes.SESSION_FAILED_OVER, updated, due.owner(), null),
                                entries)).map(Optional::of);
                    });
                }))
                .chain(committed -> {
                    if (committed.isEmpty()) {
                        return Uni.createFrom().item(false);
                    }
                    failedOver.increment();
                    return changes.afterCommit(committed.get()).chain(() -> stillThere(due.userId(), newOwner)).replaceWith(true);
                });
    }

    /**
     * The new owner may have gone between the presence check and the commit: its close found no
     * session of its own then, so its grace period starts now.
     */
    private Uni<Void> stillThere(String userId, String owner) {
        return deliveries.presence(userId, List.of(owner))
                .chain(online -> online.containsKey(owner) ? Uni.createFrom().voidItem() : store.ownerGone(userId, owner).replaceWithVoid());
    }

    /** The device was revoked: the sessions it owns move now, to a capable device if one is online. */
    public Uni<Integer> ownerRevoked(String userId, String deviceId) {
        return store.ownerRevoked(userId, deviceId);
    }
}
