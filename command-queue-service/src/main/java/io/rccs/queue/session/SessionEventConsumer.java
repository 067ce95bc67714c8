package io.rccs.queue.session;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.quarkus.runtime.Startup;
import io.rccs.common.Channels;
import io.rccs.common.consumption.EventConsumption;
import io.rccs.common.consumption.PermanentFailure;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.SessionEvent;
import io.rccs.queue.command.CommandStore;
import io.smallrye.mutiny.Uni;

/**
 * Consumes rccs.session.events (group command-queue-sessions): each event newer than what the queue
 * holds updates the session's owner and status and, in the same transaction, the session's queued
 * commands ({@link CommandStore#sessionEvent}): they follow a new owner, and end CANCELLED when the
 * session closes. A replayed or older event changes nothing.
 */
@ApplicationScoped
@Startup // created at start, so that its dead-letter counters exist before the first record
public class SessionEventConsumer {

    /** The consumer's name in dead letters and metrics: its group. */
    public static final String CONSUMER = "command-queue-sessions";

    /**
     * The events that say who owns a session and whether it is open. A state change (a patch, the
     * bulk of the topic) changes neither: passed over without a transaction; the version order holds
     * all the same, since a later owner change carries a higher version.
     */
    private static final Set<String> SESSION_TYPES = Set.of(EventTypes.SESSION_OPENED,
            EventTypes.SESSION_HANDED_OFF, EventTypes.SESSION_FAILED_OVER, EventTypes.SESSION_CLOSED);

    private final CommandStore commands;
    private final EventConsumption consumption;

    public SessionEventConsumer(CommandStore commands, EventConsumption consumption) {
        this.commands = commands;
        this.consumption = consumption;
        consumption.expect(CONSUMER);
    }

    @Incoming(Channels.SESSION_EVENTS)
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        // events of one session in order (the key), sessions in parallel; a type added later is passed over
        return consumption.consume(CONSUMER, records, event -> SESSION_TYPES.contains(event.type())
                ? apply(event.data(SessionEvent.class))
                : Uni.createFrom().voidItem());
    }

    private Uni<Void> apply(SessionEvent event) {
        if (event.sessionId() == null || event.userId() == null || event.owner() == null || event.version() < 1
                || !(WorkSession.OPEN.equals(event.status()) || WorkSession.CLOSED.equals(event.status()))) {
            return Uni.createFrom().failure(new PermanentFailure("session event " + event.sessionId() + " v" + event.version()
                    + " lacks a session, user, owner, version or open/closed status"));
        }
        return commands.sessionEvent(event).replaceWithVoid();
    }
}
