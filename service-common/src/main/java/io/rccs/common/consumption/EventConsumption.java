package io.rccs.common.consumption;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

import io.rccs.model.events.CloudEvent;
import io.smallrye.mutiny.Uni;

/**
 * How every RCCS consumer treats a batch of records, so that none skips unfinished work:
 * <ul>
 * <li>a value that is not a CloudEvent goes to the dead letters ({@code malformed}) and is passed over;
 * <li>events with the same key are handled one after another, in offset order; different keys in
 *     parallel (order is kept per key and nowhere else);
 * <li>a transient failure is retried without bound ({@link ReliableSteps}): the batch, and so the
 *     committed offset, waits for it;
 * <li>a permanent failure sends that one event to the dead letters ({@code rejected}) and the rest go on.
 * </ul>
 * The batch's offsets are committed by the connector only when the returned Uni completes.
 */
@ApplicationScoped
public class EventConsumption {

    /** How many keys of one batch are handled at the same time. */
    public static final int KEY_CONCURRENCY = 16;

    /** A record that parsed as a CloudEvent, and where it came from. */
    public record Event(ConsumerRecord<String, String> record, CloudEvent event) {
        public String key() {
            return record.key() == null ? "" : record.key();
        }

        public String type() {
            return event.type();
        }

        public <T> T data(Class<T> type) {
            return event.data(type);
        }
    }

    private final ReliableSteps steps;
    private final DeadLetters deadLetters;

    public EventConsumption(ReliableSteps steps, DeadLetters deadLetters) {
        this.steps = steps;
        this.deadLetters = deadLetters;
    }

    /** The batch's CloudEvents in offset order; every record that is not one is dead-lettered first. */
    public Uni<List<Event>> parse(String consumer, ConsumerRecords<String, String> records) {
        List<Event> events = new ArrayList<>(records.count());
        Uni<Void> rejected = Uni.createFrom().voidItem();
        for (ConsumerRecord<String, String> record : records) {
            try {
                if (record.value() == null) {
                    throw new IllegalArgumentException("the record has no value");
                }
                events.add(new Event(record, CloudEvent.fromJson(record.value())));
            } catch (IllegalArgumentException malformed) {
                rejected = rejected.chain(() -> deadLetters.send(consumer, record, "malformed", malformed));
            }
        }
        return rejected.replaceWith(events);
    }

    /** Parses the batch and handles each event in order per key ({@link #inOrderPerKey}). */
    public Uni<Void> consume(String consumer, ConsumerRecords<String, String> records, Function<Event, Uni<Void>> handler) {
        return parse(consumer, records).chain(events -> inOrderPerKey(consumer, events, handler));
    }

    /** Handles events of one key one after another and different keys concurrently. */
    public Uni<Void> inOrderPerKey(String consumer, List<Event> events, Function<Event, Uni<Void>> handler) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Map<String, List<Event>> byKey = new LinkedHashMap<>();
        for (Event event : events) {
            byKey.computeIfAbsent(event.key(), ignored -> new ArrayList<>()).add(event);
        }
        List<Uni<Void>> keys = new ArrayList<>(byKey.size());
        for (List<Event> ofKey : byKey.values()) {
            Uni<Void> inOrder = Uni.createFrom().voidItem();
            for (Event event : ofKey) {
                inOrder = inOrder.chain(() -> handle(consumer, event, handler));
            }
            keys.add(inOrder);
        }
        return keys.size() == 1 ? keys.get(0)
                : Uni.join().all(keys).usingConcurrencyOf(KEY_CONCURRENCY).andFailFast().replaceWithVoid();
    }

    /** One event: transient failures retried until done; a permanent one dead-letters the event. */
    public Uni<Void> handle(String consumer, Event event, Function<Event, Uni<Void>> handler) {
        return steps.untilDone(consumer + " " + event.type(), () -> handler.apply(event))
                .onFailure().recoverWithUni(failure -> deadLetters.send(consumer, event.record(), "rejected", failure));
    }

    /** Dead-letters one event that can never succeed (for callers that detect it themselves). */
    public Uni<Void> reject(String consumer, Event event, Throwable why) {
        return deadLetters.send(consumer, event.record(), "rejected", why);
    }
}
