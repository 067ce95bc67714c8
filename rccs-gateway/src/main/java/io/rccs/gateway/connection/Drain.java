package io.rccs.gateway.connection;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.rccs.common.ServerFrames;
import io.rccs.gateway.GatewayConfig;
import io.rccs.gateway.presence.GatewayLease;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Reconnect;
import io.smallrye.mutiny.Uni;

/**
 * Graceful drain on SIGTERM (a rolling upgrade): readiness goes down and new upgrades are refused
 * with 503 (the load balancer sends new clients elsewhere), every client is told to
 * {@code reconnect} after a random delay spread over connections / {@code drain-reconnect-rate}
 * seconds (see {@link #reconnectSpreadMillis}; so they do not all land on the other gateways at once), the gateway waits up to {@code drain-timeout} for them to
 * leave, closes the rest with 1001, and lets go of its index only then. The inbox keeps what each
 * client has not acknowledged, so a client that resumes elsewhere loses nothing.
 */
@Readiness
@ApplicationScoped
public class Drain implements HealthCheck, HttpUpgradeCheck {

    /** The shortest spread of the reconnects: a few clients still do not all move in one instant. */
    static final long MIN_RECONNECT_SPREAD_MS = 1000;
    /**
     * The longest: rccs-client waits at most 20 s (with its jitter), which keeps a device's held
     * frames (a command.ack) within the queue's 30 s ack timeout and its token renewal (30 s before
     * expiry) out of the wait.
     */
    static final long MAX_RECONNECT_SPREAD_MS = 16_000;
    /** Time for load balancers to see readiness go down before the clients are told to move. */
    static final long READINESS_LEAD_MS = 1000;

    private final LocalConnections connections;
    private final ConnectionEnds ends;
    private final FrameSender sender;
    private final GatewayLease lease;
    private final GatewayConfig config;
    private volatile boolean draining;

    public Drain(LocalConnections connections, ConnectionEnds ends, FrameSender sender, GatewayLease lease, GatewayConfig config) {
        this.connections = connections;
        this.ends = ends;
        this.sender = sender;
        this.lease = lease;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("gateway-" + config.instance())
                .status(!draining && lease.held())
                .withData("draining", draining)
                .withData("indexHeld", lease.held())
                .build();
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        return draining ? CheckResult.rejectUpgrade(503) : CheckResult.permitUpgrade();
    }

    /**
     * Quarkus' shutdown delay ({@code quarkus.shutdown.delay-enabled}) fires this before anything is
     * stopped: the HTTP server and the WebSocket connections still work, and Quarkus closes every
     * open connection with 1000 right after, so the drain happens here, not on ShutdownEvent.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent shutdown) {
        drainNow();
    }

    /**
     * Over how many milliseconds the clients are told to move: connections / rate seconds, at least
     * {@link #MIN_RECONNECT_SPREAD_MS}, at most half the drain timeout (the other half is for the
     * last of them to reconnect and leave) and at most {@link #MAX_RECONNECT_SPREAD_MS}.
     */
    static long reconnectSpreadMillis(int connections, int ratePerSecond, Duration drainTimeout) {
        long wanted = Math.max(MIN_RECONNECT_SPREAD_MS, wantedSpreadMillis(connections, ratePerSecond));
        return Math.min(Math.min(wanted, MAX_RECONNECT_SPREAD_MS), drainTimeout.toMillis() / 2);
    }

    /** How long moving these connections takes at the rate (a rate below 1 counts as 1/s). */
    private static long wantedSpreadMillis(int connections, int ratePerSecond) {
        return connections * 1000L / Math.max(1, ratePerSecond);
    }

    /** Without the shutdown delay (a test profile), at least the index is let go. */
    void stop(@Observes @Priority(1) ShutdownEvent shutdown) {
        drainNow();
    }

    private synchronized void drainNow() {
        if (draining) {
            return;
        }
        draining = true;
        pause(READINESS_LEAD_MS);
        // the other gateways and the relay take the hellos at a rate, not all at once
        int count = connections.all().size();
        long spread = reconnectSpreadMillis(count, config.drainReconnectRate(), config.drainTimeout());
        if (spread < wantedSpreadMillis(count, config.drainReconnectRate())) {
            Log.warnf("draining %d connections over %d ms: faster than rccs.gateway.drain-reconnect-rate (%d/s); "
                    + "run more gateways, or give drain-timeout %d s (the longest spread, %d ms, is half of it)", count, spread,
                    config.drainReconnectRate(), MAX_RECONNECT_SPREAD_MS * 2 / 1000, MAX_RECONNECT_SPREAD_MS);
        }
        int told = 0;
        for (DeviceConnection connection : connections.all()) {
            sender.send(connection, ServerFrames.of(FrameType.RECONNECT, null,
                    new Reconnect("draining", ThreadLocalRandom.current().nextLong(spread + 1))));
            told++;
        }
        Log.infof("draining: %d connections told to reconnect; waiting up to %s", told, config.drainTimeout());
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        while (!connections.all().isEmpty() && System.nanoTime() < deadline) {
            pause(100);
        }
        int left = connections.all().size();
        for (DeviceConnection connection : connections.all()) {
            sender.close(connection, CloseCodes.GOING_AWAY, "the gateway is stopping: reconnect");
        }
        // their closes are published as they come; wait for them before the producer stops
        long closeDeadline = System.nanoTime() + 5_000_000_000L;
        while ((!connections.all().isEmpty() || ends.inFlight() > 0) && System.nanoTime() < closeDeadline) {
            pause(50);
        }
        int open = connections.all().size();
        Log.infof("drained: %d connections closed by the gateway, %d still open, %d closes unpublished", left, open,
                ends.inFlight());
        // what is left is the relay's to report offline: the run stays in the set for its sweep
        lease.release(open == 0 && ends.inFlight() == 0);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
