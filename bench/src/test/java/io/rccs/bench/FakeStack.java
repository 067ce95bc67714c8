package io.rccs.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.rccs.model.protocol.FrameCodec;

/**
 * An in-JVM stand-in for the parts of the stack the bench talks to, following /tmp/contract.md:
 * a Keycloak (users whose password is their name, each with its own id, which is the tokens'
 * {@code sub} and the relay's user id; unsigned JWTs; the few admin API calls {@link KeycloakUsers}
 * makes, as {@code admin}/{@code admin}), two "gateways" (a minimal WebSocket server each) sharing one
 * "relay" state (devices with credentials, trust, pairing codes, message routing, devices.list)
 * and the REST {@code /v1/devices} list and revoke. Like the relay, it trusts by itself only the
 * first device a user ever registered: after every device is revoked, new ones are pending. Like the
 * command queue, it takes {@code command.submit}: the sender gets {@code command.status} frames with a
 * {@code seq} (QUEUED answering the submit, then DISPATCHED, DELIVERED, SUCCEEDED), an online target
 * gets the {@code command} at once, an offline one gets its queued commands in priority order (FIFO
 * within a priority) when it says hello. Like the relay's work sessions, it opens, joins, lists, reads,
 * patches (add and replace of top-level members, at the base version or {@code conflict}), hands off
 * (offer to a trusted, online, capable device; accept) and closes sessions, putting each version's
 * frame into every member's inbox with a {@code seq}. Like the gateway, it allows 50 frames/s per connection
 * (burst 100) and pushes {@code presence} to the user's other trusted devices. Just enough protocol
 * to test the client side.
 */
final class FakeStack implements AutoCloseable {

    static final class Device {
        final String id;
        String credential;
        boolean trusted;
        boolean revoked;
        Connection connection;
        long seq;
        /** the highest seq the device acknowledged */
        long ackedUpTo = -1;
        /** what its last hello said it can do */
        List<String> capabilities = List.of();

        Device(String id) {
            this.id = id;
        }
    }

    private record Code(String user, String startedBy, String[] claim) {
    }

    /** A queued command; {@code order} is its place in submit order. */
    static final class Command {
        final String id = UUID.randomUUID().toString();
        final String user;
        final String sender;
        final String target;
        final String name;
        final JsonNode args;
        final String priority;
        final long order;
        String status = "QUEUED";
        int attempt;

        Command(String user, String sender, String target, String name, JsonNode args, String priority, long order) {
            this.user = user;
            this.sender = sender;
            this.target = target;
            this.name = name;
            this.args = args;
            this.priority = priority;
            this.order = order;
        }

        int rank() {
            return List.of("low", "normal", "high", "critical").indexOf(priority);
        }
    }

    /** A work session as the relay keeps it: owner, version, document, members, a pending handoff. */
    static final class Session {
        final String id = UUID.randomUUID().toString();
        final String user;
        final List<String> requires;
        final Set<String> members = new LinkedHashSet<>();
        String owner;
        long version = 1;
        ObjectNode document;
        String handoffTo;
        boolean open = true;

        Session(String user, String owner, ObjectNode document, List<String> requires) {
            this.user = user;
            this.owner = owner;
            this.document = document;
            this.requires = requires;
            members.add(owner);
        }
    }

    private static final String ADMIN_SUBJECT = "master-admin";

    /** "user/device" of each hello that presented a credential (user = the Keycloak user name) */
    final List<String> hellosWithCredential = new CopyOnWriteArrayList<>();
    final AtomicInteger revokes = new AtomicInteger();
    final AtomicInteger usersCreated = new AtomicInteger();
    /** Frames refused with rate_limited (the bench must never break the gateway's limit). */
    final AtomicInteger rateLimited = new AtomicInteger();
    /** Every command submitted, in submit order. */
    final List<Command> commands = new CopyOnWriteArrayList<>();
    /** Every work session opened, by id. */
    final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** Handoffs accepted, all sessions together. */
    final AtomicInteger handoffsAccepted = new AtomicInteger();
    /** When set, {@code /v1/devices} answers 500 (to check that revoking is only best effort). */
    volatile boolean restBroken;
    /** Keycloak: user name -> user id */
    private final Map<String, String> users = new HashMap<>();
    /** relay: user id -> device id -> device, revoked ones included (a database reset empties it) */
    private final Map<String, Map<String, Device>> devices = new HashMap<>();
    private final Map<String, Code> codes = new HashMap<>();
    private final Map<String, Code> claims = new HashMap<>();
    private final HttpServer http;
    private final List<ServerSocket> gateways = new ArrayList<>();
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean closed;

    FakeStack() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/realms/rccs/protocol/openid-connect/token", this::token);
        http.createContext("/realms/master/protocol/openid-connect/token", this::adminToken);
        http.createContext("/admin/realms/rccs/", this::admin);
        http.createContext("/v1/devices", this::rest);
        http.start();
        for (int i = 0; i < 2; i++) {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            gateways.add(server);
            Thread acceptor = new Thread(() -> accept(server), "fake-gateway-" + i);
            acceptor.setDaemon(true);
            acceptor.start();
        }
    }

    URI keycloak() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** Gateway 0's WebSocket port serves REST through the HttpServer instead: the bench derives it from gateway 0. */
    List<URI> gateways() {
        return List.of(URI.create("ws://127.0.0.1:" + gateways.get(0).getLocalPort() + "/v1/connect"),
                URI.create("ws://127.0.0.1:" + gateways.get(1).getLocalPort() + "/v1/connect"));
    }

    /** The REST base the bench would derive from gateway 0, pointed at the HttpServer. */
    URI restGateway() {
        return URI.create("ws://127.0.0.1:" + http.getAddress().getPort() + "/v1/connect");
    }

    /** A device of the Keycloak user of that name, revoked or not; null if the relay never saw it. */
    synchronized Device device(String user, String deviceId) {
        String id = users.get(user);
        return id == null ? null : deviceOf(id, deviceId);
    }

    /** The Keycloak users' names. */
    synchronized List<String> users() {
        return users.keySet().stream().sorted().toList();
    }

    /** Creates a Keycloak user (password = name) as the admin API would; false if it exists. */
    synchronized boolean createUser(String user) {
        if (users.containsKey(user)) {
            return false;
        }
        users.put(user, UUID.randomUUID().toString());
        usersCreated.incrementAndGet();
        return true;
    }

    /** Forgets every device, as a database reset would (so the next device of any user is its first ever). */
    synchronized void resetDatabase() {
        devices.clear();
    }

    /** Forgets every Keycloak user, as a Keycloak reset would (users made again get new ids). */
    synchronized void resetKeycloak() {
        users.clear();
    }

    private synchronized Device deviceOf(String userId, String deviceId) {
        return devices.getOrDefault(userId, Map.of()).get(deviceId);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        http.stop(0);
        for (ServerSocket server : gateways) {
            server.close();
        }
        for (Connection connection : connections) {
            connection.socket.close();
        }
    }

    // ------------------------------------------------------------------ HTTP: token and REST

    /** The password grant of realm rccs: known users whose password is their name. */
    private void token(HttpExchange exchange) throws IOException {
        Map<String, String> form = form(exchange);
        String user = form.getOrDefault("username", "");
        String id;
        synchronized (this) {
            id = users.get(user);
        }
        if (id == null || !user.equals(form.get("password"))) {
            reply(exchange, 401, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid user credentials\"}");
            return;
        }
        reply(exchange, 200, "{\"access_token\":\"" + jwt(id, user) + "\"}");
    }

    private void adminToken(HttpExchange exchange) throws IOException {
        Map<String, String> form = form(exchange);
        if (!"admin".equals(form.get("username")) || !"admin".equals(form.get("password"))) {
            reply(exchange, 401, "{\"error\":\"invalid_grant\"}");
            return;
        }
        reply(exchange, 200, "{\"access_token\":\"" + jwt(ADMIN_SUBJECT, "admin") + "\"}");
    }

    /** The admin API calls KeycloakUsers makes: find, create, update, reset password, read and grant the role. */
    private void admin(HttpExchange exchange) throws IOException {
        if (!ADMIN_SUBJECT.equals(userOf(exchange.getRequestHeaders().getFirst("Authorization")))) {
            reply(exchange, 401, "{}");
            return;
        }
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath().substring("/admin/realms/rccs".length());
        JsonNode body = method.equals("GET") ? null : FrameCodec.mapper().readTree(exchange.getRequestBody().readAllBytes());
        if (method.equals("GET") && path.equals("/users")) {
            String query = exchange.getRequestURI().getRawQuery();
            String wanted = query == null ? "" : java.net.URLDecoder.decode(
                    query.replaceAll("^.*username=([^&]*).*$", "$1"), StandardCharsets.UTF_8);
            ArrayNode found = FrameCodec.mapper().createArrayNode();
            synchronized (this) {
                if (users.containsKey(wanted)) {
                    found.addObject().put("id", users.get(wanted)).put("username", wanted);
                }
            }
            reply(exchange, 200, found.toString());
        } else if (method.equals("POST") && path.equals("/users")) {
            String user = body.path("username").asText();
            if (!createUser(user)) {
                reply(exchange, 409, "{\"errorMessage\":\"User exists with same username\"}");
                return;
            }
            String id;
            synchronized (this) {
                id = users.get(user);
            }
            exchange.getResponseHeaders().add("Location", keycloak() + "/admin/realms/rccs/users/" + id);
            reply(exchange, 201, null);
        } else if (method.equals("GET") && path.equals("/roles/" + KeycloakUsers.ROLE)) {
            reply(exchange, 200, "{\"id\":\"role-1\",\"name\":\"" + KeycloakUsers.ROLE + "\"}");
        } else if ((method.equals("PUT") || method.equals("POST")) && path.startsWith("/users/")) {
            reply(exchange, 204, null); // update, reset-password, role-mappings: users here always have what they need
        } else {
            reply(exchange, 404, "{}");
        }
    }

    private static Map<String, String> form(HttpExchange exchange) throws IOException {
        String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> fields = new HashMap<>();
        for (String field : form.split("&")) {
            int equals = field.indexOf('=');
            if (equals > 0) {
                fields.put(field.substring(0, equals), java.net.URLDecoder.decode(field.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }

    private static String jwt(String subject, String username) {
        String claims = "{\"sub\":\"" + subject + "\",\"preferred_username\":\"" + username + "\",\"exp\":"
                + (System.currentTimeMillis() / 1000 + 900) + "}";
        return b64("{\"alg\":\"none\"}") + "." + b64(claims) + ".x";
    }

    private void rest(HttpExchange exchange) throws IOException {
        String user = userOf(exchange.getRequestHeaders().getFirst("Authorization"));
        String path = exchange.getRequestURI().getPath();
        if (restBroken) {
            reply(exchange, 500, "{}");
            return;
        }
        if (exchange.getRequestMethod().equals("GET")) {
            ObjectNode body = FrameCodec.mapper().createObjectNode();
            ArrayNode list = body.putArray("devices");
            synchronized (this) {
                devices.getOrDefault(user, Map.of()).values().stream().filter(d -> !d.revoked)
                        .forEach(d -> list.addObject().put("id", d.id).put("trusted", d.trusted));
            }
            reply(exchange, 200, body.toString());
            return;
        }
        String id = path.substring(path.lastIndexOf('/') + 1);
        Connection toClose;
        synchronized (this) {
            Device device = deviceOf(user, id);
            if (device == null || device.revoked) {
                reply(exchange, 404, "{}");
                return;
            }
            device.revoked = true;
            device.trusted = false;
            device.credential = null;
            toClose = device.connection;
            device.connection = null;
            revokes.incrementAndGet();
        }
        if (toClose != null) {
            toClose.close(4403);
        }
        reply(exchange, 204, null);
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        if (body == null) {
            exchange.sendResponseHeaders(status, -1);
        } else {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    // ------------------------------------------------------------------ the relay's rules

    private void onText(Connection connection, String text) throws IOException {
        JsonNode frame = FrameCodec.mapper().readTree(text);
        String type = frame.path("type").asText();
        String id = frame.path("id").asText();
        JsonNode payload = frame.path("payload");
        if (!connection.limiter.tryAcquire()) {
            rateLimited.incrementAndGet();
            connection.send(error(id, "rate_limited", "more than 50 frames/s"));
            return;
        }
        if (type.equals("ping")) {
            connection.send(server("pong", id, FrameCodec.mapper().createObjectNode()));
            return;
        }
        if (type.equals("hello")) {
            hello(connection, id, payload);
            return;
        }
        Device self;
        synchronized (this) {
            self = connection.deviceId == null ? null : deviceOf(connection.user, connection.deviceId);
        }
        if (self == null) {
            connection.send(error(id, "unavailable", "wait for the welcome"));
            return;
        }
        if (!self.trusted && !type.equals("pair.claim")) {
            connection.send(error(id, "not_trusted", "this device is not trusted yet: pair it first"));
            return;
        }
        switch (type) {
            case "pair.start" -> {
                String code = UUID.randomUUID().toString().substring(0, 8).toUpperCase();
                synchronized (this) {
                    codes.put(code, new Code(connection.user, self.id, new String[1]));
                }
                ObjectNode answer = FrameCodec.mapper().createObjectNode().put("code", code)
                        .put("expiresAt", System.currentTimeMillis() + 300_000).put("uri", "rccs://pair?code=" + code);
                connection.send(server("pair.code", id, answer));
            }
            case "pair.claim" -> claim(connection, self, id, payload.path("code").asText());
            case "pair.approve" -> approve(connection, id, payload.path("claimId").asText());
            case "devices.list" -> connection.send(server("devices", id, list(connection.user)));
            case "message" -> route(connection, frame);
            case "ack" -> {
                synchronized (this) { // nothing to redeliver here: only remembered
                    self.ackedUpTo = Math.max(self.ackedUpTo, payload.path("upTo").asLong(-1));
                }
            }
            case "command.submit" -> submit(connection, self, id, frame);
            case "command.ack" -> answered(connection, self, id, payload.path("commandId").asText(), "DELIVERED");
            case "command.result" -> answered(connection, self, id, payload.path("commandId").asText(),
                    payload.path("ok").asBoolean() ? "SUCCEEDED" : "FAILED");
            case "session.open" -> openSession(connection, self, id, payload);
            case "session.join" -> joinSession(connection, self, id, payload.path("session").asText());
            case "session.list" -> listSessions(connection, id);
            case "session.close" -> closeSession(connection, self, id, payload.path("session").asText());
            case "state.get" -> getState(connection, id, payload.path("session").asText());
            case "state.patch" -> patch(connection, self, id, payload);
            case "handoff.request" -> requestHandoff(connection, self, id, payload);
            case "handoff.accept" -> acceptHandoff(connection, self, id, payload.path("session").asText());
            default -> connection.send(error(id, "unknown_type", type));
        }
    }

    private void hello(Connection connection, String id, JsonNode hello) throws IOException {
        String deviceId = hello.path("deviceId").asText();
        String presented = hello.hasNonNull("credential") ? hello.path("credential").asText() : null;
        if (presented != null) {
            hellosWithCredential.add(connection.username + "/" + deviceId);
        }
        Device device;
        String issued = null;
        Connection replaced;
        synchronized (this) {
            Map<String, Device> mine = devices.computeIfAbsent(connection.user, u -> new LinkedHashMap<>());
            device = mine.get(deviceId);
            String refusal = null;
            if (presented != null) {
                if (device == null) {
                    refusal = "no device '" + deviceId + "' is registered for this user: forget the credential";
                } else if (device.revoked) {
                    refusal = "device '" + deviceId + "' was revoked";
                } else if (!presented.equals(device.credential)) {
                    refusal = "the credential does not match device '" + deviceId + "'";
                }
            } else if (device != null && !device.revoked) {
                refusal = "device '" + deviceId + "' is registered: say hello with its credential";
            } else {
                // as the relay: only the first device the user ever registered trusts itself (revoked ones count)
                boolean first = mine.isEmpty();
                device = new Device(deviceId);
                device.trusted = first;
                device.credential = issued = UUID.randomUUID().toString().replace("-", "");
                mine.put(deviceId, device);
            }
            if (refusal != null) {
                connection.send(error(id, "forbidden", refusal));
                return;
            }
            replaced = device.connection;
            device.connection = connection;
            List<String> capabilities = new ArrayList<>();
            hello.path("capabilities").forEach(capability -> capabilities.add(capability.asText()));
            device.capabilities = capabilities;
            connection.deviceId = deviceId;
        }
        if (replaced != null && replaced != connection) {
            replaced.close(4409);
        }
        ObjectNode welcome = FrameCodec.mapper().createObjectNode().put("connectionId", "c" + ids.incrementAndGet())
                .put("deviceId", deviceId).put("trusted", device.trusted).put("heartbeatSec", 30).put("resumed", false)
                .put("missed", 0);
        if (issued != null) {
            welcome.put("credential", issued);
        }
        connection.send(server("welcome", id, welcome));
        synchronized (this) {
            pushPresence(connection.user, device, "online");
            flushCommands(device);
        }
    }

    private void claim(Connection connection, Device claimer, String id, String code) throws IOException {
        Connection starter;
        String claimId = "claim-" + ids.incrementAndGet();
        synchronized (this) {
            Code known = codes.get(code);
            if (known == null || !known.user().equals(connection.user)) {
                connection.send(error(id, "not_found", "no such pairing code"));
                return;
            }
            if (known.claim()[0] != null) {
                connection.send(error(id, "conflict", "this pairing code was already used"));
                return;
            }
            known.claim()[0] = claimer.id;
            claims.put(claimId, known);
            starter = deviceOf(connection.user, known.startedBy()).connection;
        }
        ObjectNode request = FrameCodec.mapper().createObjectNode().put("claimId", claimId).put("deviceId", claimer.id)
                .put("name", claimer.id).put("kind", "desktop").put("platform", "bench");
        starter.send(server("pair.request", null, request));
    }

    private void approve(Connection decider, String id, String claimId) throws IOException {
        Device claimer;
        synchronized (this) {
            Code claimed = claims.remove(claimId);
            if (claimed == null) {
                decider.send(error(id, "not_found", "no such claim"));
                return;
            }
            claimer = deviceOf(decider.user, claimed.claim()[0]);
            claimer.trusted = true;
        }
        ObjectNode result = FrameCodec.mapper().createObjectNode().put("deviceId", claimer.id).put("approved", true);
        claimer.connection.send(server("pair.result", null, result));
        decider.send(server("pair.result", id, result));
    }

    private synchronized ObjectNode list(String user) {
        ObjectNode answer = FrameCodec.mapper().createObjectNode();
        ArrayNode list = answer.putArray("devices");
        devices.getOrDefault(user, Map.of()).values().stream().filter(d -> !d.revoked).forEach(d -> list.addObject()
                .put("id", d.id).put("trusted", d.trusted).put("presence", d.connection != null ? "online" : "offline"));
        return answer;
    }

    private void route(Connection from, JsonNode frame) throws IOException {
        Device target;
        long seq;
        synchronized (this) {
            target = deviceOf(from.user, frame.path("to").asText());
            if (target == null || target.connection == null) {
                return;
            }
            seq = ++target.seq;
        }
        ObjectNode delivered = ((ObjectNode) frame.deepCopy()).put("from", from.deviceId).put("seq", seq);
        target.connection.send(delivered);
    }

    private synchronized void closed(Connection connection) {
        Device device = connection.deviceId == null ? null : deviceOf(connection.user, connection.deviceId);
        if (device != null && device.connection == connection) {
            device.connection = null;
            // the queue puts back what the device had not acknowledged, and the others are told
            for (Command c : commands) {
                if (c.user.equals(connection.user) && c.target.equals(device.id) && c.status.equals("DISPATCHED")) {
                    c.status = "QUEUED";
                    status(c, null);
                }
            }
            pushPresence(connection.user, device, "offline");
        }
    }

    // ------------------------------------------------------------------ the command queue's rules

    private synchronized void submit(Connection from, Device self, String id, JsonNode frame) throws IOException {
        String to = frame.path("to").asText();
        JsonNode payload = frame.path("payload");
        Device target = deviceOf(from.user, to);
        if (target == null || target.revoked) {
            from.send(error(id, "not_found", "you have no device '" + to + "'"));
            return;
        }
        Command c = new Command(from.user, self.id, to, payload.path("name").asText(), payload.path("args"),
                payload.path("priority").asText("normal"), commands.size());
        commands.add(c);
        status(c, id);
        if (target.connection != null) {
            dispatch(c, target);
        }
    }

    /** An online device's queued commands, in delivery order: priority first, then submit order. */
    private synchronized void flushCommands(Device device) {
        if (!device.trusted) {
            return;
        }
        commands.stream().filter(c -> (c.status.equals("QUEUED") || c.status.equals("DISPATCHED")) && deviceOf(c.user, c.target) == device)
                .sorted(java.util.Comparator.comparingInt(Command::rank).reversed().thenComparingLong(c -> c.order))
                .forEach(c -> dispatch(c, device));
    }

    private synchronized void dispatch(Command c, Device target) {
        c.status = "DISPATCHED";
        c.attempt++;
        ObjectNode delivery = FrameCodec.mapper().createObjectNode().put("commandId", c.id).put("name", c.name)
                .put("priority", c.priority).put("attempt", c.attempt);
        delivery.set("args", c.args);
        ObjectNode frame = server("command", null, delivery).put("from", c.sender);
        try {
            target.connection.send(frame);
        } catch (IOException e) {
            // gone: it is put back when its connection ends
        }
        status(c, null);
    }

    private synchronized void answered(Connection connection, Device self, String id, String commandId, String status)
            throws IOException {
        Command c = commands.stream().filter(command -> command.id.equals(commandId)).findFirst().orElse(null);
        if (c == null || !c.user.equals(connection.user)) {
            connection.send(error(id, "not_found", "no command " + commandId));
            return;
        }
        if (!c.target.equals(self.id)) {
            connection.send(error(id, "forbidden", "command " + commandId + " is not for this device"));
            return;
        }
        boolean moves = status.equals("DELIVERED") ? c.status.equals("DISPATCHED") : c.status.equals("DELIVERED");
        if (moves) {
            c.status = status;
            status(c, null);
        }
    }

    /** The command's status into its sender's inbox: the next seq, sent at once if it is online (no replay here). */
    private synchronized void status(Command c, String corr) {
        Device sender = deviceOf(c.user, c.sender);
        if (sender == null) {
            return;
        }
        long seq = ++sender.seq;
        if (sender.connection == null) {
            return;
        }
        ObjectNode payload = FrameCodec.mapper().createObjectNode().put("commandId", c.id).put("status", c.status)
                .put("target", c.target).put("attempt", c.attempt);
        try {
            sender.connection.send(server("command.status", corr, payload).put("seq", seq).put("from", "@command-queue"));
        } catch (IOException e) {
            // gone
        }
    }

    private synchronized void pushPresence(String user, Device changed, String presence) {
        if (!changed.trusted) {
            return;
        }
        ObjectNode payload = FrameCodec.mapper().createObjectNode().put("deviceId", changed.id).put("presence", presence)
                .put("lastSeen", System.currentTimeMillis());
        for (Device other : devices.getOrDefault(user, Map.of()).values()) {
            if (other != changed && other.trusted && other.connection != null) {
                try {
                    other.connection.send(server("presence", null, payload));
                } catch (IOException e) {
                    // gone
                }
            }
        }
    }

    private static ObjectNode server(String type, String corr, ObjectNode payload) {
        ObjectNode frame = FrameCodec.mapper().createObjectNode().put("v", 1).put("id", UUID.randomUUID().toString())
                .put("type", type);
        if (corr != null) {
            frame.put("corr", corr);
        }
        frame.put("ts", System.currentTimeMillis()).set("payload", payload);
        return frame;
    }

    private static ObjectNode error(String corr, String code, String message) {
        return server("error", corr, FrameCodec.mapper().createObjectNode().put("code", code).put("message", message)
                .put("retryable", code.equals("unavailable")));
    }

    // ------------------------------------------------------------------ the relay's work sessions

    private synchronized void openSession(Connection from, Device self, String id, JsonNode open) throws IOException {
        ObjectNode document = open.path("state").isObject() ? (ObjectNode) open.path("state").deepCopy()
                : FrameCodec.mapper().createObjectNode();
        List<String> requires = new ArrayList<>();
        open.path("requires").forEach(capability -> requires.add(capability.asText()));
        Session session = new Session(from.user, self.id, document, requires);
        sessions.put(session.id, session);
        from.send(server("state", id, whole(session)));
    }

    private synchronized void joinSession(Connection from, Device self, String id, String sessionId) throws IOException {
        Session session = sessionOf(from, id, sessionId);
        if (session != null) {
            session.members.add(self.id);
            from.send(server("state", id, whole(session)));
        }
    }

    private synchronized void listSessions(Connection from, String id) throws IOException {
        ObjectNode answer = FrameCodec.mapper().createObjectNode();
        ArrayNode list = answer.putArray("sessions");
        sessions.values().stream().filter(s -> s.user.equals(from.user) && s.open).forEach(s -> list.addObject()
                .put("session", s.id).put("status", "open").put("owner", s.owner).put("version", s.version));
        from.send(server("sessions", id, answer));
    }

    private synchronized void getState(Connection from, String id, String sessionId) throws IOException {
        Session session = sessionOf(from, id, sessionId);
        if (session != null) {
            from.send(server("state", id, whole(session)));
        }
    }

    private synchronized void closeSession(Connection from, Device self, String id, String sessionId) throws IOException {
        Session session = sessionOf(from, id, sessionId);
        if (session == null) {
            return;
        }
        if (!session.owner.equals(self.id)) {
            from.send(error(id, "forbidden", "only the owner can close it"));
            return;
        }
        session.open = false;
        session.version++;
        toMembers(session, self.id, id, server("state", null, versionPayload(session).put("status", "closed")));
    }

    /** RFC 6902 as far as the bench uses it: add and replace of a top-level member. */
    private synchronized void patch(Connection from, Device self, String id, JsonNode patch) throws IOException {
        Session session = sessionOf(from, id, patch.path("session").asText());
        if (session == null) {
            return;
        }
        if (!session.members.contains(self.id)) {
            from.send(error(id, "forbidden", "join the session first"));
            return;
        }
        if (patch.path("baseVersion").asLong(-1) != session.version) {
            ObjectNode refusal = error(id, "conflict", "the session is at version " + session.version);
            ((ObjectNode) refusal.path("payload")).putObject("details").put("session", session.id).put("version", session.version);
            from.send(refusal);
            return;
        }
        ObjectNode document = session.document.deepCopy();
        for (JsonNode op : patch.path("ops")) {
            String member = op.path("path").asText().substring(1);
            if (op.path("op").asText().equals("replace") && !document.has(member)) {
                from.send(error(id, "bad_frame", "nothing to replace at " + op.path("path").asText()));
                return;
            }
            document.set(member, op.path("value"));
        }
        session.document = document;
        session.version++;
        ObjectNode payload = versionPayload(session).put("status", "open");
        payload.set("ops", patch.path("ops"));
        toMembers(session, self.id, id, server("state", null, payload));
    }

    private synchronized void requestHandoff(Connection from, Device self, String id, JsonNode request) throws IOException {
        Session session = sessionOf(from, id, request.path("session").asText());
        if (session == null) {
            return;
        }
        Device target = deviceOf(from.user, request.path("to").asText());
        if (!session.owner.equals(self.id)) {
            from.send(error(id, "forbidden", "only the owner can hand it off"));
        } else if (session.handoffTo != null) {
            from.send(error(id, "conflict", "a handoff is pending"));
        } else if (target == null || !target.trusted || target.connection == null
                || !target.capabilities.containsAll(session.requires)) {
            from.send(error(id, "no_capable_device", "no such trusted, online, capable device"));
        } else {
            session.handoffTo = target.id;
            session.members.add(target.id);
            ObjectNode offer = FrameCodec.mapper().createObjectNode().put("session", session.id).put("from", session.owner)
                    .put("version", session.version).put("expiresAt", System.currentTimeMillis() + 30_000);
            offer.set("document", session.document);
            toInbox(target, server("handoff.offer", null, offer));
        }
    }

    private synchronized void acceptHandoff(Connection from, Device self, String id, String sessionId) throws IOException {
        Session session = sessionOf(from, id, sessionId);
        if (session == null) {
            return;
        }
        if (!self.id.equals(session.handoffTo)) {
            from.send(error(id, "not_found", "not offered to this device"));
            return;
        }
        String previous = session.owner;
        session.owner = self.id;
        session.handoffTo = null;
        session.version++;
        handoffsAccepted.incrementAndGet();
        ObjectNode done = versionPayload(session).put("from", previous).put("accepted", true).put("reason", "handoff");
        toMembers(session, self.id, id, server("handoff.done", null, done));
    }

    /** The user's session, or null after answering not_found. */
    private Session sessionOf(Connection from, String corr, String sessionId) throws IOException {
        Session session = sessions.get(sessionId);
        if (session == null || !session.user.equals(from.user)) {
            from.send(error(corr, "not_found", "you have no session '" + sessionId + "'"));
            return null;
        }
        return session;
    }

    private static ObjectNode whole(Session session) {
        ObjectNode payload = versionPayload(session).put("status", session.open ? "open" : "closed");
        payload.set("document", session.document);
        return payload;
    }

    private static ObjectNode versionPayload(Session session) {
        return FrameCodec.mapper().createObjectNode().put("session", session.id).put("version", session.version)
                .put("owner", session.owner);
    }

    /** A version's frame into every member's inbox; the copy for {@code requester} answers its frame. */
    private void toMembers(Session session, String requester, String corr, ObjectNode frame) {
        for (String member : session.members) {
            Device device = deviceOf(session.user, member);
            if (device != null && device.trusted) {
                ObjectNode copy = frame.deepCopy();
                if (member.equals(requester)) {
                    copy.put("corr", corr);
                }
                toInbox(device, copy);
            }
        }
    }

    /** The next seq of the device's inbox, sent at once if it is online (no replay here). */
    private void toInbox(Device device, ObjectNode frame) {
        long seq = ++device.seq;
        if (device.connection != null) {
            try {
                device.connection.send(frame.put("seq", seq).put("from", "@sessions"));
            } catch (IOException e) {
                // gone
            }
        }
    }

    // ------------------------------------------------------------------ a minimal WebSocket server (RFC 6455)

    private void accept(ServerSocket server) {
        while (!closed) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true); // as Vert.x does: one frame after another must not wait for the peer's ACK
                Thread reader = new Thread(() -> serve(socket), "fake-connection");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        Connection connection = null;
        try (socket) {
            InputStream in = socket.getInputStream();
            Map<String, String> headers = readHeaders(in);
            String key = headers.get("sec-websocket-key");
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            connection = new Connection(socket, userOf(headers.get("authorization")), claimOf(headers.get("authorization"), "preferred_username"));
            connections.add(connection);
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (true) {
                int first = in.read();
                if (first < 0) {
                    return;
                }
                int opcode = first & 0x0f;
                byte[] payload = readPayload(in);
                if (opcode == 8) {
                    connection.close(1000);
                    return;
                }
                if (opcode == 9) {
                    connection.write(0x8a, payload);
                    continue;
                }
                if (opcode == 1 || opcode == 0) {
                    message.write(payload);
                    if ((first & 0x80) != 0) {
                        onText(connection, message.toString(StandardCharsets.UTF_8));
                        message.reset();
                    }
                }
            }
        } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
            // the client went away
        } finally {
            if (connection != null) {
                closed(connection);
            }
        }
    }

    private static Map<String, String> readHeaders(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during the handshake");
            }
            head.write(b);
        }
        Map<String, String> headers = new HashMap<>();
        for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
            }
        }
        return headers;
    }

    private static byte[] readPayload(InputStream in) throws IOException {
        int second = in.read();
        long length = second & 0x7f;
        if (length == 126) {
            length = (in.read() << 8) | in.read();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | in.read();
            }
        }
        byte[] mask = (second & 0x80) != 0 ? in.readNBytes(4) : null;
        byte[] payload = in.readNBytes((int) length);
        if (mask != null) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i % 4];
            }
        }
        return payload;
    }

    /** The user id ({@code sub}) of a bearer token. */
    private static String userOf(String authorization) {
        return claimOf(authorization, "sub");
    }

    private static String claimOf(String authorization, String claim) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return "";
        }
        String[] parts = authorization.substring(7).split("\\.");
        try {
            return FrameCodec.mapper().readTree(Base64.getUrlDecoder().decode(parts[1])).path(claim).asText();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The gateway's per-connection limit: 50 frames/s, burst 100 (one reader thread per connection). */
    static final class Bucket {
        private double tokens = 100;
        private long refilled = System.nanoTime();

        boolean tryAcquire() {
            long now = System.nanoTime();
            tokens = Math.min(100, tokens + (now - refilled) * 50 / 1e9);
            refilled = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }

    /** One client connection; writes are serialised, frames from the server are never masked. */
    final class Connection {
        final Socket socket;
        /** the user id (the token's sub) */
        final String user;
        final String username;
        final Bucket limiter = new Bucket();
        volatile String deviceId;

        Connection(Socket socket, String user, String username) {
            this.socket = socket;
            this.user = user;
            this.username = username;
        }

        void send(JsonNode frame) throws IOException {
            write(0x81, frame.toString().getBytes(StandardCharsets.UTF_8));
        }

        void close(int code) {
            try {
                write(0x88, new byte[] {(byte) (code >> 8), (byte) code});
                socket.close();
            } catch (IOException e) {
                // gone already
            }
        }

        /** One frame in one write: several small writes would meet Nagle's algorithm and the peer's delayed ACK (40 ms). */
        synchronized void write(int first, byte[] payload) throws IOException {
            ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 10);
            frame.write(first);
            if (payload.length < 126) {
                frame.write(payload.length);
            } else if (payload.length < 65536) {
                frame.write(126);
                frame.write(payload.length >> 8);
                frame.write(payload.length & 0xff);
            } else {
                frame.write(127);
                for (int i = 7; i >= 0; i--) {
                    frame.write((int) ((long) payload.length >> (8 * i)) & 0xff);
                }
            }
            frame.write(payload);
            OutputStream out = socket.getOutputStream();
            out.write(frame.toByteArray());
            out.flush();
        }
    }
}
