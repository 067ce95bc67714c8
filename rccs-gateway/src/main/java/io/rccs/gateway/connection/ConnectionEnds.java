package io.rccs.gateway.connection;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;
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
        Uni<Void> removed = end == LocalConnections.End.ENDED_CURRENT ? presence.offline(connection) : Uni.createFrom().voidItem();
        return removed
                .chain(() -> publisher.closed(connection, code))
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("close of %s not fully recorded: %s", connection.connectionId(), failure.getMessage());
                    return null;
                });
    }
}
