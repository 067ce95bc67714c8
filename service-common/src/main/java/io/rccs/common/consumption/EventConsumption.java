package io.rccs.common.consumption;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.Topics;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * How every RCCS consumer treats a batch of records, so that none skips unfinished work:
 * <ul>
 * <li>a value that is not a CloudEvent goes to the dead letters ({@code malformed}) and is passed over;
 * <li>events with the same key are handled one after another, in offset order; different keys in
 *     parallel (order is kept per key and nowhere else);
 * <li>a transient failure is retried without bound ({@link ReliableSteps}): the batch, and so the
 *     committed offset, waits for it;
 * <li>a permanent failure ({@link Failures}) sends that one event to the dead letters ({@code rejected})
 *     and the other events go on.
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

    /** Makes the consumer's dead-letter counters exist from its start ({@link DeadLetters#expect}); once per consumer. */
    public void expect(String consumer) {
        deadLetters.expect(consumer);
    }

    /** The batch's CloudEvents in offset order; every record that is not one is dead-lettered first. */
    public Uni<List<Event>> parse(String consumer, ConsumerRecords<String, String> records) {
        return parse(consumer, records, record -> true);
    }

    /**
     * As {@link #parse(String, ConsumerRecords)}, passing over (unparsed) the records {@code wanted}
     * refuses: another service's frames on a shared topic, told apart by a header.
     */
    public Uni<List<Event>> parse(String consumer, ConsumerRecords<String, String> records,
            Predicate<ConsumerRecord<String, String>> wanted) {
        List<Event> events = new ArrayList<>(records.count());
        Uni<Void> rejected = Uni.createFrom().voidItem();
        for (ConsumerRecord<String, String> record : records) {
            if (!wanted.test(record)) {
                continue;
            }
            try {
                if (record.value() == null) {
                    throw new IllegalArgumentException("the record has no value");
                }
                events.add(new Event(record, CloudEvent.fromJson(record.value())));
            } catch (IllegalArgumentException malformed) {
                rejected = rejected.chain(() -> deadLetters.send(consumer, record, DeadLetters.MALFORMED, malformed));
            }
        }
        return rejected.replaceWith(events);
    }

    /** Parses the batch and handles each event in order per key ({@link #inOrderPerKey}). */
    public Uni<Void> consume(String consumer, ConsumerRecords<String, String> records, Function<Event, Uni<Void>> handler) {
        return consume(consumer, records, record -> true, handler);
    }

    /** As {@link #consume(String, ConsumerRecords, Function)}, for the records {@code wanted} accepts. */
    public Uni<Void> consume(String consumer, ConsumerRecords<String, String> records,
            Predicate<ConsumerRecord<String, String>> wanted, Function<Event, Uni<Void>> handler) {
        return parse(consumer, records, wanted).chain(events -> inOrderPerKey(consumer, events, handler));
    }

    /**
     * Whether a rccs.frames.in record's frame type (its header) satisfies {@code type}; a record
     * without the header is wanted (it is parsed and judged by the handler).
     */
    public static Predicate<ConsumerRecord<String, String>> frameTypes(Predicate<String> type) {
        return record -> {
            Header header = record.headers().lastHeader(Topics.FRAME_TYPE_HEADER);
            return header == null || type.test(new String(header.value(), StandardCharsets.UTF_8));
        };
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
        Context batchContext = Vertx.currentContext();
        List<Uni<Void>> keys = new ArrayList<>(byKey.size());
        for (List<Event> ofKey : byKey.values()) {
            Context own = ownContext(batchContext);
            // one after the other, each starting on the key's context whichever thread finished the one before
            keys.add(Contexts.inSequence(ofKey, event -> Contexts.<Void>on(own, () -> handle(consumer, event, handler))));
        }
        return keys.size() == 1 ? keys.get(0)
                : Uni.join().all(keys).usingConcurrencyOf(KEY_CONCURRENCY).andFailFast().replaceWithVoid();
    }

    /**
     * A duplicated context of the batch's for one key: what a handler keeps in its context (an ORM
     * session, a transaction) must not be shared with the keys running beside it.
     */
    private static Context ownContext(Context batchContext) {
        if (batchContext == null) {
            return null;
        }
        Context own = VertxContext.createNewDuplicatedContext(batchContext);
        VertxContextSafetyToggle.setContextSafe(own, true); // isolated: Hibernate Reactive may keep its session here
        return own;
    }

    /** One event: transient failures retried until done; a permanent one dead-letters the event. */
    public Uni<Void> handle(String consumer, Event event, Function<Event, Uni<Void>> handler) {
        return steps.untilDone(consumer + " " + event.type(), () -> handler.apply(event))
                .onFailure().recoverWithUni(failure -> deadLetters.send(consumer, event.record(), DeadLetters.REJECTED, failure));
    }

    /** Dead-letters one event that can never succeed (for callers that detect it themselves). */
    public Uni<Void> reject(String consumer, Event event, Throwable why) {
        return deadLetters.send(consumer, event.record(), DeadLetters.REJECTED, why);
    }
}
