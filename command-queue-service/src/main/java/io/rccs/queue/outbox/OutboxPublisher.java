package io.rccs.queue.outbox;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.eclipse.microprofile.reactive.messaging.Channel;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.rccs.common.Channels;
import io.rccs.common.DeliverySender;
import io.rccs.common.EventPublisher;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.protocol.FrameCodec;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;

/**
 * Publishes the outbox in id order: right after each transaction that wrote to it, and on a timer
 * for whatever a crash left behind. One flush at a time per instance keeps the order; an entry is
 * deleted in the same transaction that held its lock, after the broker acknowledged it.
 */
@ApplicationScoped
public class OutboxPublisher {

    private static final int BATCH = 200;

    private final DeliverySender deliveries;
    private final MutinyEmitter<String> commandEvents;
    private final AtomicBoolean flushing = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();

    public OutboxPublisher(DeliverySender deliveries, @Channel(Channels.COMMAND_EVENTS_OUT) MutinyEmitter<String> commandEvents) {
        this.deliveries = deliveries;
        this.commandEvents = commandEvents;
    }

    /** Publishes what a crash or a failed publish left behind. */
    @Scheduled(every = "${rccs.queue.outbox-sweep:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return flush().onFailure().recoverWithItem(failure -> {
            Log.warnf("outbox sweep failed: %s", failure.getMessage());
            return null;
        });
    }

    /** Publishes everything pending; completes when this instance's flush is done. */
    public Uni<Void> flush() {
        if (!flushing.compareAndSet(false, true)) {
            again.set(true); // the running flush will go round once more
            return Uni.createFrom().voidItem();
        }
        again.set(false);
        return Panache.withTransaction(this::publishBatch)
                .eventually(() -> flushing.set(false))
                .chain(published -> published == BATCH || again.getAndSet(false) ? flush() : Uni.createFrom().voidItem());
    }

    private Uni<Integer> publishBatch() {
        return OutboxEntry.<OutboxEntry>find("order by id").withLock(LockModeType.PESSIMISTIC_WRITE).page(0, BATCH).list()
                .call(entries -> publishInOrder(entries, 0))
                .call(entries -> entries.isEmpty() ? Uni.createFrom().voidItem()
                        : OutboxEntry.delete("id in ?1", entries.stream().map(entry -> entry.id).toList()))
                .map(List::size);
    }

    private Uni<Void> publishInOrder(List<OutboxEntry> entries, int index) {
        if (index == entries.size()) {
            return Uni.createFrom().voidItem();
        }
        return publish(entries.get(index)).chain(() -> publishInOrder(entries, index + 1));
    }

    private Uni<Void> publish(OutboxEntry entry) {
        if (OutboxEntry.DEVICE_FRAME.equals(entry.kind)) {
            // an offline device gets nothing now: open commands are dispatched again when it comes online
            return deliveries.toDevice(entry.userId, entry.target, FrameCodec.decodeServerFrame(entry.payload)).replaceWithVoid();
        }
        return EventPublisher.publish(commandEvents, entry.target, CloudEvent.fromJson(entry.payload));
    }
}
