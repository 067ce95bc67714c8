package io.rccs.gateway.connection;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.rccs.gateway.GatewayConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

/**
 * One timer for every connection, instead of a ping timer per socket. Every sixth of a heartbeat
 * interval it looks at each connection: every half interval the connection is pinged (a live peer
 * answers within its round trip); one from which nothing (pong, frame) came for one and a half
 * intervals is taken for dead and ended at once — its device is reported offline without waiting
 * for the TCP close, so a dead peer is offline within two intervals, not when the kernel gives up;
 * one that kept too many frames unread for too long is closed as a slow reader.
 */
@ApplicationScoped
public class Heartbeats {

    private static final Buffer PING = Buffer.buffer();

    private final LocalConnections connections;
    private final ConnectionEnds ends;
    private final FrameSender sender;
    private final GatewayConfig config;
    private final MeterRegistry metrics;
    private final Vertx vertx;
    private long lastPing = System.nanoTime();

    public Heartbeats(LocalConnections connections, ConnectionEnds ends, FrameSender sender, GatewayConfig config,
            MeterRegistry metrics, Vertx vertx) {
        this.connections = connections;
        this.ends = ends;
        this.sender = sender;
        this.config = config;
        this.metrics = metrics;
        this.vertx = vertx;
    }

    void start(@jakarta.enterprise.event.Observes StartupEvent started) {
        vertx.setPeriodic(Math.max(50, config.heartbeat().toMillis() / 6), ignored -> tick(System.nanoTime()));
    }

    void tick(long now) {
        long heartbeat = config.heartbeat().toNanos();
        boolean ping = now - lastPing >= heartbeat / 2 - heartbeat / 12;
        if (ping) {
            lastPing = now;
        }
        long slowLimit = config.slowReaderTimeout().toNanos();
        for (DeviceConnection connection : connections.all()) {
            boolean closing = connection.socket().isClosed();
            if (now - connection.lastHeard() > heartbeat + heartbeat / 2) {
                // also a socket whose close never completed (its peer reads nothing): it must end
                metrics.counter("rccs_connections_closed_total", "reason", "heartbeat_missed").increment();
                if (!closing) {
                    sender.close(connection, CloseCodes.HEARTBEAT_MISSED, "nothing heard for one and a half heartbeat intervals");
                }
                // a dead peer never answers the close: its end is recorded now, not after the close times out
                ends.ended(connection, CloseCodes.HEARTBEAT_MISSED).subscribe().with(ignored -> {
                });
                sender.abort(connection);
            } else if (closing) {
                continue;
            } else if (connection.slowSince() != 0 && now - connection.slowSince() > slowLimit) {
                sender.slowReader(connection);
            } else if (ping) {
                connection.socket().sendPing(PING).subscribe().with(ignored -> {
                }, failure -> {
                });
            }
        }
    }
}
