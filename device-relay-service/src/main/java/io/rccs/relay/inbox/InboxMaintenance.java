package io.rccs.relay.inbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.rccs.common.DeliverySender;
import io.rccs.common.consumption.Failures;
import io.rccs.model.events.Delivery;
import io.rccs.model.presence.PresenceEntry;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.common.Periodic;
import io.rccs.relay.RelayConfig;
import io.rccs.relay.inbox.InboxStore.Due;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * The inbox's two timers. Redelivery: entries sent to a connected device and not acknowledged
 * within the timeout are sent again (a delivery lost between the services and the socket must not
 * wait for a reconnect), with a doubling interval while the device acknowledges nothing, and only
 * entries older than the timeout (a backlog is not answered with copies of what is on its way); a
 * device found offline is left until its next hello. Retention: entries
 * past the age or count limit are removed, and the cursor remembers how far, for {@code missed}.
 * Both are safe with several relay instances (rows claimed with SKIP LOCKED, deletes idempotent).
 */
@ApplicationScoped
public class InboxMaintenance {

    /** Devices one sweep claims at most. */
    static final int SWEEP_DEVICES = 20;
    /**
     * Entries sent again to one device per sweep: the oldest unacknowledged first, which is what a
     * gap waits for; the rest follow once the device acknowledges (20 x 500 stays within the
     * delivery emitter's buffer).
     */
    static final int SWEEP_ENTRIES = 500;
    /** Entries one delete statement of the trim removes at most (it repeats until none is left). */
    static final int TRIM_CHUNK = 5000;

    private final InboxStore store;
    private final DeliverySender deliveries;
    private final RelayConfig config;
    private final Vertx vertx;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final AtomicBoolean trimming = new AtomicBoolean();
    private final Counter redelivered;
    private final Counter trimmed;
    private final AtomicLong unackedEntries = new AtomicLong();
    private final AtomicLong unackedDevices = new AtomicLong();

    public InboxMaintenance(InboxStore store, DeliverySender deliveries, RelayConfig config, Vertx vertx, MeterRegistry metrics) {
        this.store = store;
        this.deliveries = deliveries;
        this.config = config;
        this.vertx = vertx;
        this.redelivered = metrics.counter("rccs_inbox_redelivered_total");
        this.trimmed = metrics.counter("rccs_inbox_trimmed_total");
        // counted by the trim's timer, never per message; every relay instance reports the whole inbox
        Gauge.builder("rccs_inbox_unacked_entries", unackedEntries, AtomicLong::get)
                .description("Inbox entries stored and not yet acknowledged by their device (refreshed with the retention trim)")
                .register(metrics);
        Gauge.builder("rccs_inbox_unacked_devices", unackedDevices, AtomicLong::get)
                .description("Devices with inbox entries they have not acknowledged (refreshed with the retention trim)")
                .register(metrics);
    }

    void start(@Observes StartupEvent started) {
        vertx.setPeriodic(config.inbox().redeliverySweep().toMillis(), ignored -> Periodic.runOnce(sweeping, "inbox redelivery sweep", this::sweep));
        vertx.setPeriodic(config.inbox().trimInterval().toMillis(), ignored -> Periodic.runOnce(trimming, "inbox retention trim", this::trim));
    }

    /** Sends again what connected devices have not acknowledged in time. */
    Uni<Integer> sweep() {
        return store.claimDue(config.inbox().redeliveryTimeout(), config.inbox().redeliveryMaxInterval(), SWEEP_DEVICES).chain(due -> {
            if (due.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            Map<String, List<Due>> byUser = new LinkedHashMap<>();
            due.forEach(device -> byUser.computeIfAbsent(device.userId(), ignored -> new ArrayList<>()).add(device));
            List<Uni<Void>> users = new ArrayList<>();
            byUser.forEach((userId, devices) -> users.add(deliveries.presence(userId, devices.stream().map(Due::deviceId).toList())
                    .chain(online -> resend(devices, online))));
            return DeliverySender.all(users).replaceWith(due.size());
        });
    }

    private Uni<Void> resend(List<Due> devices, Map<String, PresenceEntry> online) {
        List<Uni<Void>> work = new ArrayList<>();
        for (Due device : devices) {
            PresenceEntry where = online.get(device.deviceId());
            if (where == null) {
                work.add(store.awaitConnect(device));
                continue;
            }
            work.add(store.framesDue(device.userId(), device.deviceId(), device.ackedSeq(), config.inbox().redeliveryTimeout(),
                    SWEEP_ENTRIES)
                    .chain(frames -> {
                        redelivered.increment(frames.size());
                        List<Uni<Void>> sends = new ArrayList<>(frames.size());
                        for (String frame : frames) {
                            sends.add(deliveries.send(where.gateway(), Delivery.of(device.userId(), device.deviceId(),
                                    FrameCodec.decodeServerFrame(frame))));
                        }
                        return DeliverySender.all(sends);
                    }));
        }
        return DeliverySender.all(work);
    }

    /** Applies the retention, then counts what is left unacknowledged (the depth gauges). */
    Uni<Long> trim() {
        return store.trim(config.inbox().maxEntries(), config.inbox().retention(), config.inbox().minRetention(), TRIM_CHUNK).invoke(removed -> trimmed.increment(removed))
                .call(() -> store.depth().invoke(depth -> {
                    unackedEntries.set(depth.entries());
                    unackedDevices.set(depth.devices());
                }));
    }
}
