package io.rccs.gateway.connection;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;
import io.rccs.common.DeliverySender;
import io.rccs.common.consumption.Failures;
import io.rccs.gateway.GatewayConfig;
import io.rccs.gateway.presence.PresenceWriter;
import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * The relay's answer to a hello, applied to the connection that sent it. Only a welcome binds the
 * connection to its device: then, and not before, an older connection of the device is replaced
 * (4409) and presence written. A refused hello (wrong or missing credential) leaves the device's
 * current connection as it was, and this connection may say hello again.
 */
@ApplicationScoped
public class HelloVerdicts {

    private final LocalConnections connections;
    private final PresenceWriter presence;
    private final DeliverySender deliveries;
    private final FrameSender sender;
    private final GatewayConfig config;
    private final Vertx vertx;

    public HelloVerdicts(LocalConnections connections, PresenceWriter presence, DeliverySender deliveries, FrameSender sender,
            GatewayConfig config, Vertx vertx) {
        this.connections = connections;
        this.presence = presence;
        this.deliveries = deliveries;
        this.sender = sender;
        this.config = config;
        this.vertx = vertx;
    }

    /** Whether the frame is the answer to the hello this connection is waiting on. */
    public static boolean answersHello(DeviceConnection connection, Frame frame) {
        return connection.awaitingWelcome() && frame != null && frame.corr() != null && frame.corr().equals(connection.helloId())
                && (frame.is(FrameType.WELCOME) || frame.is(FrameType.ERROR));
    }

    /** Applies the answer: a welcome is accepted, an error refuses the hello. */
    public void apply(DeviceConnection connection, Frame answer) {
        if (answer.is(FrameType.WELCOME)) {
            welcomed(connection, answer);
        } else {
            refused(connection, answer);
        }
    }

    private void welcomed(DeviceConnection connection, Frame welcome) {
        connection.markWelcomed(welcome.payload().path("trusted").asBoolean(false));
        DeviceConnection replaced = connections.bind(connection);
        if (replaced == connection) {
            // it closed while the welcome was on its way: nothing to bind or to write (its close is published)
            return;
        }
        if (replaced != null) {
            sender.close(replaced, CloseCodes.REPLACED, "replaced by a newer connection of this device");
        }
        String credential = connection.takeIssuedCredential();
        if (credential != null) {
            // the device was registered with this credential's hash: the client sees it this once
            welcome.payload().put("credential", credential);
        }
        sender.send(connection, welcome);
        presence.online(connection)
                .call(previous -> previous
                        .filter(entry -> entry.gateway() != config.instance())
                        // the device was connected to another gateway: that one closes its old connection
                        .map(entry -> deliveries.send(entry.gateway(), new Delivery(entry.userId(), entry.deviceId(),
                                entry.connectionId(), null, CloseCodes.REPLACED)))
                        .orElse(io.smallrye.mutiny.Uni.createFrom().voidItem()))
                .call(ignored -> connections.byConnectionId(connection.connectionId()) == connection ? Uni.createFrom().voidItem()
                        // it closed while the entry was written: the close's delete may have come first
                        : presence.offline(connection))
                .subscribe().with(ignored -> {
                }, failure -> {
                    // without presence nothing reaches the device live: it must come back when presence works
                    Log.warnf("presence of %s not recorded: %s", connection.connectionId(), Failures.describe(failure));
                    sender.close(connection, CloseCodes.TRY_AGAIN, "presence is unavailable: reconnect shortly");
                });
    }

    private void refused(DeviceConnection connection, Frame error) {
        Log.debugf("hello of %s as %s refused: %s", connection.connectionId(), connection.deviceId(), error.payload());
        connection.helloFailed();
        restartHelloTimer(connection);
        sender.send(connection, error);
    }

    /** The connection must say hello (again) within the hello timeout. */
    public void restartHelloTimer(DeviceConnection connection) {
        vertx.cancelTimer(connection.helloTimer());
        long helloTimer = vertx.setTimer(config.helloTimeout().toMillis(), ignored -> {
            if (!connection.saidHello()) {
                sender.close(connection, CloseCodes.HELLO_TIMEOUT, "no hello within " + config.helloTimeout().toSeconds() + " s");
            }
        });
        connection.timers(helloTimer, connection.expiryTimer());
    }
}
