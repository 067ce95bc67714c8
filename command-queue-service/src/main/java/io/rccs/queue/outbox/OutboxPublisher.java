package io.rccs.queue.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rccs.common.Channels;
import io.rccs.common.DeliverySender;
import io.rccs.common.EventPublisher;
import io.rccs.common.consumption.Failures;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.Topics;
import io.rccs.model.presence.PresenceEntry;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.queue.QueueConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Publishes the outbox without ever holding a database connection during broker I/O: entries are
 * read (or were just written), sent, and deleted once the broker acknowledged them, each database
 * step a short statement of its own.
 * <ul>
 * <li><b>At once</b>: right after its commit, a transaction's entries are published by the replica
 * that wrote them — after the older entries of the same commands that this replica is still
 * publishing ({@link Outbox.Written#after}). When an older entry is another replica's (or a crashed
 * one's), the new entries are left to the sweep, which keeps the order.</li>
 * <li><b>The sweep</b>: one replica at a time (a lease in {@code queue.lease}) publishes, in id order,
 * every entry older than {@code rccs.queue.outbox-grace}: what a crash, a broker outage or a deferral
 * left behind. It retries without bound.</li>
 * </ul>
 * Delivery is at least once: an entry published at once and then again by the sweep (its replica was
 * slow) arrives twice. Consumers dedupe: command events by {@code version}, inbox entries by their key,
 * command frames by {@code commandId} (docs/asyncapi.yaml).
 */
@ApplicationScoped
public class OutboxPublisher {

    static final String LEASE = "outbox-sweep";
    private static final int SWEEP_BATCH = 500;
    private static final Duration SWEEP_PATIENCE = Duration.ofSeconds(30);


    private static final String DELETE = "DELETE FROM queue.outbox WHERE id = ANY($1::bigint[])";
    private static final String STILL_THERE = "SELECT id FROM queue.outbox WHERE id = ANY($1::bigint[])";
    // the oldest entries in id order, with whether each is past the grace: the sweep publishes the prefix
    // that is, so that it never publishes a command's newer entry before an older one still in its grace
    private static final String LEFT_BEHIND = """
            SELECT id, kind, user_id, target, payload, command_id, created_at < now() - make_interval(secs => $1)
              FROM queue.outbox ORDER BY id LIMIT $2""";
    private static final String TAKE_LEASE = """
            INSERT INTO queue.lease AS l (name, owner, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
            ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
             WHERE l.owner = EXCLUDED.owner OR l.expires_at < now()
            RETURNING owner""";

    private final Pool pool;
    private final DeliverySender deliveries;
    private final MutinyEmitter<String> commandEvents;
    private final MutinyEmitter<String> deadLetters;
    private final MutinyEmitter<String> framesIn;
    private final QueueConfig config;
    private final String instance = UUID.randomUUID().toString();
    /** Entries this replica is publishing at once: completes true when published, false when left to the sweep. */
    private final Map<Long, CompletableFuture<Boolean>> inFlight = new ConcurrentHashMap<>();
    private final io.vertx.core.Vertx vertx;
    private final java.util.concurrent.atomic.AtomicBoolean sweeping = new java.util.concurrent.atomic.AtomicBoolean();
    private long sweepTimer = -1;
    private final Counter deferred;
    /** How long a publish at once may take before the sweep takes over: under the grace, so that the two rarely overlap. */
    private final Duration patience;
    private final Counter swept;

    public OutboxPublisher(Pool pool, DeliverySender deliveries,
            // a flush or a sweep hands hundreds of records to the producer at once: buffer them as deliveries are
            @Channel(Channels.COMMAND_EVENTS_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = DeliverySender.MAX_PENDING) MutinyEmitter<String> commandEvents,
            @Channel(Channels.COMMAND_DEAD_LETTERS_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = DeliverySender.MAX_PENDING) MutinyEmitter<String> deadLetters,
            @Channel(Channels.FRAMES_IN_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = DeliverySender.MAX_PENDING) MutinyEmitter<String> framesIn, QueueConfig config, MeterRegistry metrics,
            io.vertx.core.Vertx vertx) {
        this.pool = pool;
        this.vertx = vertx;
        this.deliveries = deliveries;
        this.commandEvents = commandEvents;
        this.deadLetters = deadLetters;
        this.framesIn = framesIn;
        this.config = config;
        this.deferred = metrics.counter("rccs_outbox_entries_total", "path", "deferred");
        this.patience = config.outboxGrace().multipliedBy(3).dividedBy(4);
        this.swept = metrics.counter("rccs_outbox_entries_total", "path", "swept");
    }

    /**
     * Publishes what a committed transaction wrote, after the older entries of its commands. Never
     * fails: what cannot be published now is left to the sweep (and the failure logged).
     */
    public Uni<Void> afterCommit(Outbox.Written written) {
        if (written.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        CompletableFuture<Boolean> mine = new CompletableFuture<>();
        written.ids().forEach(id -> inFlight.put(id, mine));
        return predecessors(written.after())
                .chain(ready -> ready ? send(written.entries()).chain(() -> delete(written.ids())).replaceWith(true)
                        : Uni.createFrom().item(false))
                // a broker that does not answer must not stall the caller: the sweep takes over (and keeps the order)
                .ifNoItem().after(patience).fail()
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("publishing outbox entries %s failed, the sweep will: %s", Outbox.describe(written.ids()),
                            Failures.describe(failure));
                    return false;
                })
                .invoke(published -> {
                    if (!published) {
                        deferred.increment(written.ids().size());
                    }
                })
                // cancelled too (the consumer gave up on its batch): followers must not wait for this
                .onTermination().invoke((published, failure, cancelled) -> {
                    mine.complete(Boolean.TRUE.equals(published));
                    written.ids().forEach(inFlight::remove);
                })
                .replaceWithVoid();
    }

    /**
     * True once every older entry is published: those this replica is publishing are awaited; any
     * other that is still in the table belongs to another replica or to the sweep, so false.
     */
    private Uni<Boolean> predecessors(Set<Long> after) {
        if (after.isEmpty()) {
            return Uni.createFrom().item(true);
        }
        List<CompletableFuture<Boolean>> local = new ArrayList<>();
        Set<Long> elsewhere = new LinkedHashSet<>();
        for (Long id : after) {
            CompletableFuture<Boolean> publishing = inFlight.get(id);
            if (publishing != null) {
                local.add(publishing);
            } else {
                elsewhere.add(id);
            }
        }
        Uni<Boolean> othersGone = elsewhere.isEmpty() ? Uni.createFrom().item(true)
                : pool.preparedQuery(STILL_THERE).execute(Tuple.of(elsewhere.toArray(Long[]::new)))
                        .map(rows -> rows.size() == 0); // deleted means published
        return othersGone.chain(gone -> {
            if (!gone) {
                return Uni.createFrom().item(false);
            }
            return Uni.createFrom().completionStage(CompletableFuture.allOf(local.toArray(CompletableFuture[]::new))
                    .thenApply(ignored -> local.stream().allMatch(CompletableFuture::join)));
        });
    }

    void start(@Observes StartupEvent started) {
        // a Vert.x timer: Quarkus' scheduler checks its timers only once a second
        sweepTimer = vertx.setPeriodic(config.outboxSweep().toMillis(), ignored -> {
            if (sweeping.compareAndSet(false, true)) {
                sweep().subscribe().with(done -> sweeping.set(false), failure -> sweeping.set(false));
            }
        });
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
        }
    }

    /** The sweep: one replica at a time publishes, in id order, what is older than the grace period. */
    Uni<Void> sweep() {
        return holdLease().chain(held -> held ? sweepBatches() : Uni.createFrom().voidItem())
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("outbox sweep failed, next round retries: %s", Failures.describe(failure));
                    return null;
                });
    }

    private Uni<Boolean> holdLease() {
        return pool.preparedQuery(TAKE_LEASE).execute(Tuple.of(LEASE, instance, seconds(config.leaseTtl())))
                .map(rows -> rows.size() == 1);
    }

    private Uni<Void> sweepBatches() {
        return pool.preparedQuery(LEFT_BEHIND).execute(Tuple.of(seconds(config.outboxGrace()), SWEEP_BATCH))
                .chain(rows -> {
                    List<Long> ids = new ArrayList<>();
                    List<Announcement> entries = new ArrayList<>();
                    for (Row row : rows) {
                        if (!row.getBoolean(6)) {
                            break; // still in its grace: its replica may be publishing it, and what follows waits for it
                        }
                        ids.add(row.getLong(0));
                        entries.add(new Announcement(row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                                row.getUUID(5)));
                    }
                    if (ids.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    swept.increment(ids.size());
                    // a send that never completes must not hold the sweep (and its lease) for ever: the next round retries
                    Uni<Void> done = send(entries).ifNoItem().after(SWEEP_PATIENCE).fail().chain(() -> delete(ids));
                    return ids.size() == SWEEP_BATCH ? done.chain(this::sweepBatches) : done;
                });
    }

    /** Publishes the entries, all handed to the producers at once in their order, and waits for every acknowledgement. */
    Uni<Void> send(List<Announcement> entries) {
        // one presence lookup per device, before any send, so that a device's frames go out in order
        Map<String, Set<String>> framesFor = new LinkedHashMap<>();
        for (Announcement entry : entries) {
            if (Announcement.DEVICE_FRAME.equals(entry.kind())) {
                framesFor.computeIfAbsent(entry.userId(), ignored -> new LinkedHashSet<>()).add(entry.target());
            }
        }
        List<Uni<Map.Entry<String, Map<String, PresenceEntry>>>> lookups = new ArrayList<>();
        framesFor.forEach((user, devices) -> lookups.add(deliveries.presence(user, devices).map(found -> Map.entry(user, found))));
        Uni<Map<String, Map<String, PresenceEntry>>> presence = lookups.isEmpty() ? Uni.createFrom().item(Map.of())
                : Uni.join().all(lookups).andFailFast().map(found -> {
                    Map<String, Map<String, PresenceEntry>> byUser = new LinkedHashMap<>();
                    found.forEach(pair -> byUser.put(pair.getKey(), pair.getValue()));
                    return byUser;
                });
        return presence.chain(online -> {
            List<Uni<Void>> sends = new ArrayList<>(entries.size());
            for (Announcement entry : entries) {
                Uni<Void> send = toBroker(entry, online);
                if (send != null) {
                    sends.add(send);
                }
            }
            return DeliverySender.all(sends);
        });
    }

    private Uni<Void> toBroker(Announcement entry, Map<String, Map<String, PresenceEntry>> online) {
        return switch (entry.kind()) {
            case Announcement.DEVICE_FRAME -> {
                PresenceEntry where = online.getOrDefault(entry.userId(), Map.of()).get(entry.target());
                // an offline device gets nothing now: it is dispatched again when it comes online
                yield where == null ? null
                        : deliveries.send(where.gateway(), Delivery.of(entry.userId(), entry.target(),
                                FrameCodec.decodeServerFrame(entry.payload())));
            }
            case Announcement.INBOX -> EventPublisher.publish(framesIn, entry.userId(), CloudEvent.fromJson(entry.payload()),
                    Topics.FRAME_TYPE_HEADER, Topics.INBOX_APPEND_TYPE);
            case Announcement.EVENT -> EventPublisher.publish(commandEvents, entry.target(), CloudEvent.fromJson(entry.payload()));
            case Announcement.DEAD_LETTER -> EventPublisher.publish(deadLetters, entry.target(), CloudEvent.fromJson(entry.payload()));
            default -> throw new IllegalStateException("unknown outbox kind " + entry.kind());
        };
    }

    private Uni<Void> delete(List<Long> ids) {
        return pool.preparedQuery(DELETE).execute(Tuple.of(ids.toArray(Long[]::new))).replaceWithVoid();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
