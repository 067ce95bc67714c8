package io.rccs.gateway.connection;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;

/** The connections this gateway instance holds, by connection id and by device. */
@ApplicationScoped
public class LocalConnections {

    private final Map<String, DeviceConnection> byConnectionId = new ConcurrentHashMap<>();
    private final Map<String, DeviceConnection> byDevice = new ConcurrentHashMap<>();
    private final Map<String, Integer> perUser = new ConcurrentHashMap<>();

    public LocalConnections(MeterRegistry metrics) {
        metrics.gaugeMapSize("rccs_connections", java.util.List.of(), byConnectionId);
        metrics.gaugeMapSize("rccs_devices_connected", java.util.List.of(), byDevice);
    }

    /** Registers a new connection unless its user already has {@code maxPerUser} here; false then. */
    boolean opened(DeviceConnection connection, int maxPerUser) {
        boolean[] allowed = {false};
        perUser.compute(connection.userId(), (user, count) -> {
            int current = count == null ? 0 : count;
            if (current >= maxPerUser) {
                return count;
            }
            allowed[0] = true;
            return current + 1;
        });
        if (allowed[0]) {
            byConnectionId.put(connection.connectionId(), connection);
        }
        return allowed[0];
    }

    public DeviceConnection byConnectionId(String connectionId) {
        return byConnectionId.get(connectionId);
    }

    public DeviceConnection byDevice(String userId, String deviceId) {
        return byDevice.get(key(userId, deviceId));
    }

    /**
     * Binds the device to this connection; returns the connection it replaces, if any, or the connection
     * itself when it has closed meanwhile (then nothing is bound). The welcome that binds comes on the
     * deliveries consumer's thread, the close on the connection's: the lock keeps a connection that
     * closed while its welcome was applied from staying bound (and present) for good.
     */
    synchronized DeviceConnection bind(DeviceConnection connection) {
        if (byConnectionId.get(connection.connectionId()) != connection) {
            return connection;
        }
        DeviceConnection previous = byDevice.put(key(connection.userId(), connection.deviceId()), connection);
        if (previous == connection) {
            return null;
        }
        if (previous != null) {
            previous.markReplaced();
        }
        return previous;
    }

    /** What forgetting a connection found. */
    enum End {
        /** It was forgotten before (its end is being or was recorded). */
        ALREADY,
        /** Forgotten now; it was not (or no longer) its device's current connection. */
        ENDED,
        /** Forgotten now, and it was its device's current connection. */
        ENDED_CURRENT
    }

    /** Forgets a closed connection, once: a second call (a dead peer's late close) finds it gone. */
    synchronized End closed(DeviceConnection connection) {
        if (byConnectionId.remove(connection.connectionId()) == null) {
            return End.ALREADY;
        }
        perUser.computeIfPresent(connection.userId(), (user, count) -> count <= 1 ? null : count - 1);
        return connection.saidHello() && byDevice.remove(key(connection.userId(), connection.deviceId()), connection)
                ? End.ENDED_CURRENT : End.ENDED;
    }

    /** Every open connection, bound to a device or not yet. */
    public Collection<DeviceConnection> all() {
        return byConnectionId.values();
    }

    public Collection<DeviceConnection> devices() {
        return byDevice.values();
    }

    private static String key(String userId, String deviceId) {
        return userId + "/" + deviceId;
    }
}
