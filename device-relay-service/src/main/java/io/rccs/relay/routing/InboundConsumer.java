package io.rccs.relay.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.rccs.common.Channels;
import io.rccs.common.DeliverySender;
import io.rccs.common.TaggedCounters;
import io.quarkus.logging.Log;
import io.rccs.common.consumption.Contexts;
import io.rccs.common.consumption.EventConsumption;
import io.rccs.common.consumption.Failures;
import io.rccs.common.consumption.EventConsumption.Event;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.relay.device.DeviceAdmin;
import io.rccs.relay.device.DeviceDirectory;
import io.rccs.relay.device.DeviceLifecycle;
import io.rccs.relay.inbox.InboxRouter;
import io.rccs.relay.pairing.Pairing;
import io.rccs.relay.session.Handoffs;
import io.rccs.relay.session.SessionFrames;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Consumes rccs.frames.in (group device-relay) a batch at a time. The batch is cut into runs of
 * consecutive records: a run of {@code message}/{@code ack} frames and of services' inbox appends
 * ({@code InboxAppend}, e.g. the command queue's {@code command.status} for the sender) goes through
 * the inbox in one transaction ({@link InboxRouter}); any other run is handled per user, users in parallel and each
 * user's records in order. Runs follow each other, so every user's frames are handled in the order
 * they were sent. The offsets are committed only once the whole batch is done (EventConsumption).
 */
@ApplicationScoped
@Startup // created at start, so that its dead-letter counters exist before the first record
public class InboundConsumer {

    /** The consumer's name in dead letters and metrics: its group. */
    public static final String CONSUMER = "device-relay";

    private final DeviceLifecycle lifecycle;
    private final DeviceDirectory directory;
    private final DeviceAdmin admin;
    private final Pairing pairing;
    private final InboxRouter inbox;
    private final SessionFrames sessions;
    private final Handoffs handoffs;
    private final DeliverySender deliveries;
    private final EventConsumption consumption;
    private final TaggedCounters frames;

    public InboundConsumer(DeviceLifecycle lifecycle, DeviceDirectory directory, DeviceAdmin admin, Pairing pairing,
            InboxRouter inbox, SessionFrames sessions, Handoffs handoffs, DeliverySender deliveries, EventConsumption consumption,
            MeterRegistry metrics) {
        this.lifecycle = lifecycle;
        this.directory = directory;
        this.admin = admin;
        this.pairing = pairing;
        this.inbox = inbox;
        this.sessions = sessions;
        this.handoffs = handoffs;
        this.deliveries = deliveries;
        this.consumption = consumption;
        consumption.expect(CONSUMER);
        this.frames = new TaggedCounters(metrics, "rccs_relay_frames_total", "type");
    }

    @Incoming(Channels.FRAMES_IN)
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        Context batch = Vertx.currentContext();
        // command frames are the command queue's (rccs.commands.in): passed over without parsing; the
        // queue's inbox appends (header inbox.append) are for the inbox, so they are read
        return consumption.parse(CONSUMER, records, EventConsumption.frameTypes(type -> !Topics.isCommandQueueFrame(type)))
                .chain(events -> inRuns(batch, events));
    }

    private Uni<Void> inRuns(Context batch, List<Event> events) {
        List<Supplier<Uni<? extends Void>>> runs = new ArrayList<>();
        List<Event> run = new ArrayList<>();
        boolean inboxRun = false;
        for (Event event : events) {
            boolean forInbox = isInboxFrame(event);
            if (!run.isEmpty() && forInbox != inboxRun) {
                runs.add(runOf(batch, List.copyOf(run), inboxRun));
                run.clear();
            }
            run.add(event);
            inboxRun = forInbox;
        }
        if (!run.isEmpty()) {
            runs.add(runOf(batch, List.copyOf(run), inboxRun));
        }
        return Contexts.inSequence(runs, Supplier::get);
    }

    /**
     * A run, started on the batch's context (the one before may have finished on a broker thread).
     * Should an inbox run fail for good as a whole, its frames go through the inbox one at a time, so
     * that only the one that cannot be stored is dead-lettered.
     */
    private Supplier<Uni<? extends Void>> runOf(Context batch, List<Event> run, boolean inboxRun) {
        if (!inboxRun) {
            return () -> Contexts.<Void>on(batch, () -> consumption.inOrderPerKey(CONSUMER, run, this::handle));
        }
        return () -> Contexts.<Void>on(batch, () -> inbox.route(CONSUMER, run)).onFailure().recoverWithUni(failure -> {
            Log.warnf("an inbox run of %d frames failed as a whole, routing them one by one: %s", run.size(),
                    Failures.describe(failure));
            return Contexts.<Void>on(batch, () -> consumption.inOrderPerKey(CONSUMER, run,
                    event -> inbox.route(CONSUMER, List.of(event))));
        });
    }

    /**
     * Peeks at the frame type without mapping the event (an unreadable one goes the per-record way).
     * A service's inbox append is always the inbox's: InboxRouter judges (and dead-letters) its data.
     */
    private static boolean isInboxFrame(Event event) {
        if (EventTypes.INBOX_APPEND.equals(event.type())) {
            return true;
        }
        return EventTypes.FRAME_RECEIVED.equals(event.type()) && event.event().data() != null
                && InboxRouter.routes(event.event().data().path("frame").path("type").asText(null));
    }

    private Uni<Void> handle(Event event) {
        return switch (event.type()) {
            case EventTypes.FRAME_RECEIVED -> frame(event.data(InboundFrame.class));
            case EventTypes.CONNECTION_CLOSED -> lifecycle.closed(event.data(ConnectionClosed.class));
            default -> Uni.createFrom().voidItem();
        };
    }

    private Uni<Void> frame(InboundFrame in) {
        frames.increment(in.frame().type());
        try {
            return switch (in.frame().frameType()) {
                case HELLO -> lifecycle.hello(in);
                case DEVICES_LIST -> directory.list(in);
                case DEVICE_RENAME -> admin.rename(in);
                case DEVICE_REVOKE -> admin.revoke(in);
                case PAIR_START, PAIR_CLAIM, PAIR_APPROVE, PAIR_DENY -> pairing.handle(in);
                case SESSION_OPEN -> sessions.open(in);
                case SESSION_JOIN -> sessions.join(in);
                case SESSION_LIST -> sessions.list(in);
                case SESSION_CLOSE -> sessions.close(in);
                case STATE_GET -> sessions.get(in);
                case STATE_PATCH -> sessions.patch(in);
                case HANDOFF_REQUEST -> handoffs.request(in);
                case HANDOFF_ACCEPT -> handoffs.accept(in);
                case HANDOFF_REJECT -> handoffs.reject(in);
                default -> Uni.createFrom().voidItem(); // commands belong to the command queue
            };
        } catch (ProtocolException e) {
            return deliveries.replyError(in, e.code(), e.getMessage());
        }
    }
}
