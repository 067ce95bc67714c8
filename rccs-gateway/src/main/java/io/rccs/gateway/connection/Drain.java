package io.rccs.gateway.connection;

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
 * {@code reconnect} after a random delay of up to {@link #RECONNECT_SPREAD_MS} ms (so they do not all
 * land on the other gateways at once), the gateway waits up to {@code drain-timeout} for them to
 * leave, closes the rest with 1001, and lets go of its index only then. The inbox keeps what each
 * client has not acknowledged, so a client that resumes elsewhere loses nothing.
 */
@Readiness
@ApplicationScoped
public class Drain implements HealthCheck, HttpUpgradeCheck {

    /** Longest delay a {@code reconnect} frame asks for (rccs-client honours up to 5 s). */
    static final long MAX_RECONNECT_SPREAD_MS = 5000;
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
        // spread the moves over half the drain (at most 5 s): the other gateways and the relay take the
        // hellos at a rate, not all at once
        long spread = Math.min(MAX_RECONNECT_SPREAD_MS, config.drainTimeout().toMillis() / 2);
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
