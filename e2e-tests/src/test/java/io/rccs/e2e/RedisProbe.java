package io.rccs.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.rccs.model.presence.PresenceEntry;

/**
 * A few Redis commands over a fresh socket each (the tests restart Redis), to look at presence
 * entries: where the stack's Redis is comes from $RCCS_E2E_REDIS ({@code host:port}, the local
 * stack's 127.0.0.1:6379 by default).
 */
final class RedisProbe {

    private static final String ADDRESS = System.getenv().getOrDefault("RCCS_E2E_REDIS", "127.0.0.1:6379");

    private RedisProbe() {
    }

    /** The connection id in the device's presence entry, or null when there is none (or only a tombstone). */
    static String presenceConnection(String user, String deviceId) {
        Object id = command("HGET", PresenceEntry.key(user, deviceId), "connectionId");
        return id instanceof String value && !value.startsWith("closed:") ? value : null;
    }

    /** The gateway index in the device's presence entry, or null. */
    static Integer presenceGateway(String user, String deviceId) {
        Object gateway = command("HGET", PresenceEntry.key(user, deviceId), "gateway");
        return gateway instanceof String value ? Integer.valueOf(value) : null;
    }

    /** Removes the device's presence entry, as a Redis that restarted without its data would have lost it. */
    static void forgetPresence(String user, String deviceId) {
        command("DEL", PresenceEntry.key(user, deviceId));
    }

    /** Sends one command and returns its reply: a String, a Long, null or a List of those. */
    static Object command(String... args) {
        int colon = ADDRESS.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(ADDRESS.substring(0, colon), Integer.parseInt(ADDRESS.substring(colon + 1))), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
                request.writeBytes(bytes);
                request.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write(request.toByteArray());
            out.flush();
            return reply(new BufferedInputStream(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException("Redis at " + ADDRESS + ": " + args[0], e);
        }
    }

    private static Object reply(InputStream in) throws IOException {
        int kind = in.read();
        String line = line(in);
        switch (kind) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException("Redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length + 2);
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(reply(in));
                }
                return items;
            }
            default:
                throw new IllegalStateException("unexpected Redis reply " + (char) kind + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\r'; c = in.read()) {
            if (c < 0) {
                throw new IOException("Redis closed the connection");
            }
            line.append((char) c);
        }
        in.read(); // '\n'
        return line.toString();
    }
}
