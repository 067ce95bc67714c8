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

    public LocalConnections(MeterRegistry metrics) {
        metrics.gaugeMapSize("rccs_connections", java.util.List.of(), byConnectionId);
        metrics.gaugeMapSize("rccs_devices_connected", java.util.List.of(), byDevice);
    }

    void opened(DeviceConnection connection) {
        byConnectionId.put(connection.connectionId(), connection);
    }

    public DeviceConnection byConnectionId(String connectionId) {
        return byConnectionId.get(connectionId);
    }

    public DeviceConnection byDevice(String userId, String deviceId) {
        return byDevice.get(key(userId, deviceId));
    }

    /** Binds the device to this connection; returns the connection it replaces, if any. */
    DeviceConnection bind(DeviceConnection connection) {
        DeviceConnection previous = byDevice.put(key(connection.userId(), connection.deviceId()), connection);
        return previous == connection ? null : previous;
    }

    /** Undoes {@link #bind} after a hello that could not be recorded. */
    void unbind(DeviceConnection connection) {
        byDevice.remove(key(connection.userId(), connection.deviceId()), connection);
    }

    /** Forgets a closed connection; true when it was still the device's current one. */
    boolean closed(DeviceConnection connection) {
        byConnectionId.remove(connection.connectionId());
        return connection.saidHello() && byDevice.remove(key(connection.userId(), connection.deviceId()), connection);
    }

    public Collection<DeviceConnection> devices() {
        return byDevice.values();
    }

    private static String key(String userId, String deviceId) {
        return userId + "/" + deviceId;
    }
}
