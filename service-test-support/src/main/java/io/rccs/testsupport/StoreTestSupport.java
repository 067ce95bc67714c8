package io.rccs.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import io.quarkus.redis.datasource.RedisDataSource;
import io.rccs.model.presence.PresenceEntry;

/** Plays the gateway's presence entries in Redis and reads the service's tables over plain JDBC. */
public final class StoreTestSupport {

    private StoreTestSupport() {
    }

    /** Marks a device online at a gateway, as the gateway does when a connection says hello. */
    public static void online(RedisDataSource redis, String userId, String deviceId, String connectionId, int gateway) {
        String key = PresenceEntry.key(userId, deviceId);
        redis.hash(String.class).hset(key, Map.of("userId", userId, "deviceId", deviceId, "connectionId", connectionId,
                "gateway", Integer.toString(gateway), "since", Long.toString(System.currentTimeMillis())));
        redis.key().expire(key, Duration.ofMinutes(10)); // a crashed test leaves nothing for long
    }

    public static void offline(RedisDataSource redis, String userId, String deviceId) {
        redis.key().del(PresenceEntry.key(userId, deviceId));
    }

    /** The rows of a query against the test database, column name to value. */
    public static List<Map<String, Object>> rows(String sql, Object... params) {
        try (Connection connection = connection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            try (ResultSet result = statement.executeQuery()) {
                ResultSetMetaData meta = result.getMetaData();
                List<Map<String, Object>> rows = new ArrayList<>();
                while (result.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int column = 1; column <= meta.getColumnCount(); column++) {
                        row.put(meta.getColumnLabel(column), result.getObject(column));
                    }
                    rows.add(row);
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + sql, e);
        }
    }

    public static long count(String sql, Object... params) {
        return ((Number) rows(sql, params).get(0).values().iterator().next()).longValue();
    }

    /** A new connection to the test database (the caller closes it). */
    public static Connection connection() throws SQLException {
        Config config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
    }

    /** Runs an update against the test database; returns the rows changed. */
    public static int update(String sql, Object... params) {
        try (Connection connection = connection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("update failed: " + sql, e);
        }
    }
}
