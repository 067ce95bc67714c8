package io.rccs.gateway.connection;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicInteger;

import io.quarkus.logging.Log;
import io.rccs.model.events.ConnectionClosed;
import io.rccs.gateway.presence.PresenceWriter;
import io.rccs.gateway.routing.InboundPublisher;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Records that a connection ended, once: it is forgotten here, its presence entry removed if it was
 * the device's current connection, and its close published for the relay. Called by the socket's
 * close, and earlier for a peer taken for dead (whose close may take long to come).
 */
@ApplicationScoped
public class ConnectionEnds {

    private final LocalConnections connections;
    private final PresenceWriter presence;
    private final InboundPublisher publisher;
    private final Vertx vertx;
    /** Ends being recorded right now: the drain waits for them before the producer stops. */
    private final AtomicInteger inFlight = new AtomicInteger();

    public ConnectionEnds(LocalConnections connections, PresenceWriter presence, InboundPublisher publisher, Vertx vertx) {
        this.connections = connections;
        this.presence = presence;
        this.publisher = publisher;
        this.vertx = vertx;
    }

    public Uni<Void> ended(DeviceConnection connection, int code) {
        vertx.cancelTimer(connection.helloTimer());
        vertx.cancelTimer(connection.expiryTimer());
        LocalConnections.End end = connections.closed(connection);
        // a hello waiting for its answer counts: the relay has it and may have welcomed the device (and
        // announced it online) already, so it must learn of the close; only the current connection's
        // presence is removed (one waiting for its welcome has none)
        if (end == LocalConnections.End.ALREADY || !connection.saidHello()) {
            return Uni.createFrom().voidItem();
        }
        // a newer connection of the device took its place on this gateway: whatever code the socket closed
        // with, the device is still online
        int reported = connection.replaced() ? ConnectionClosed.REPLACED : code;
        inFlight.incrementAndGet();
        Uni<Void> removed = end == LocalConnections.End.ENDED_CURRENT ? presence.offline(connection) : Uni.createFrom().voidItem();
        // the close is published whatever Redis says: an entry left behind lapses with its TTL, a close
        // never published would leave the device online for the other devices for good
        return removed
                .onFailure().invoke(failure -> Log.warnf("presence of %s not removed (it lapses on its own): %s",
                        connection.connectionId(), failure.getMessage()))
                .onFailure().recoverWithNull()
                .chain(() -> publisher.closed(connection, reported))
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("close of %s not published: %s", connection.connectionId(), failure.getMessage());
                    return null;
                })
                .onTermination().invoke(inFlight::decrementAndGet);
    }

    /** Ends whose presence removal or close publication is still under way. */
    public int inFlight() {
        return inFlight.get();
    }
}
