package io.rccs.client;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.ProtocolException;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.model.protocol.payload.Welcome;

/**
 * One device's WebSocket connection to an RCCS gateway (wire protocol v1), built on the JDK's
 * {@link java.net.http.WebSocket}.
 *
 * <p>Every text message the server sends is decoded into a {@link Frame} and queued. A wait
 * ({@link #await}, {@link #awaitType}, {@link #poll}) takes the first queued frame that fits and
 * leaves the others for later waits; {@link #received()} keeps every frame ever received.
 * WebSocket pings are answered by the JDK.
 *
 * <p>A connection opened with a frame listener ({@link #connect(URI, String, Duration, Consumer)})
 * hands every frame to that listener instead of queueing it, for long-lived sessions that must not
 * pay for the queue's linear scans or keep frames in memory (see {@link RccsDevice}).
 */
public final class RccsClient implements AutoCloseable {

    /** Sent as {@code appVersion} in {@code hello}. */
    public static final String APP_VERSION = "rccs-client/0.1.0";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(3);
    private static final int ABNORMAL_CLOSURE = 1006;
    private static final System.Logger LOG = System.getLogger(RccsClient.class.getName());

    private final URI url;
    private final Duration sendTimeout;
    private final FrameInbox inbox;
    /** When set, receives every decoded frame instead of the inbox. */
    private final Consumer<Frame> frameListener;
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final Object sendLock = new Object();
    private volatile WebSocket webSocket;
    private volatile String closeReason;
    private volatile Throwable failure;
    private volatile String deviceId;
    private ScheduledExecutorService keepAlive;

    private RccsClient(URI url, Duration sendTimeout, boolean keepHistory, Consumer<Frame> frameListener) {
        this.url = url;
        this.sendTimeout = sendTimeout;
        this.inbox = new FrameInbox(keepHistory);
        this.frameListener = frameListener;
    }

    /** Shared by every connection: the JDK client multiplexes them over its own (daemon) threads. */
    private static final class Http {
        static final HttpClient CLIENT = HttpClient.newHttpClient();
    }

    /**
     * Opens a WebSocket to {@code wsUrl} (for example {@code ws://127.0.0.1:8080/v1/connect}) with
     * {@code Authorization: Bearer <token>}, or with no such header when {@code bearerToken} is null.
     *
     * @throws RccsConnectException when the socket cannot be opened; when the server refused the
     *         upgrade, {@link RccsConnectException#httpStatus()} is its HTTP status (such as 401)
     */
    public static RccsClient connect(URI wsUrl, String bearerToken, Duration timeout) {
        return connect(wsUrl, bearerToken, timeout, true);
    }

    /**
     * As {@link #connect(URI, String, Duration)}; with {@code keepHistory} false, {@link #received()}
     * stays empty so a long-lived connection does not keep every frame in memory.
     */
    public static RccsClient connect(URI wsUrl, String bearerToken, Duration timeout, boolean keepHistory) {
        return open(wsUrl, bearerToken, timeout, keepHistory, null);
    }

    /**
     * As {@link #connect(URI, String, Duration)}, but every received frame goes to
     * {@code frameListener} (called on the WebSocket's reading thread, one frame at a time, in
     * arrival order) instead of being queued: {@link #await}, {@link #poll} and {@link #received()}
     * see no frames on such a connection. {@link #closed()} still completes after the last frame
     * was handed over. A listener that throws does not stop the reading.
     */
    public static RccsClient connect(URI wsUrl, String bearerToken, Duration timeout, Consumer<Frame> frameListener) {
        return open(wsUrl, bearerToken, timeout, false, Objects.requireNonNull(frameListener, "frameListener"));
    }

    private static RccsClient open(URI wsUrl, String bearerToken, Duration timeout, boolean keepHistory,
            Consumer<Frame> frameListener) {
        Duration limit = timeout == null ? DEFAULT_TIMEOUT : timeout;
        RccsClient client = new RccsClient(wsUrl, limit, keepHistory, frameListener);
        WebSocket.Builder builder = Http.CLIENT.newWebSocketBuilder().connectTimeout(limit);
        if (bearerToken != null) {
            builder.header("Authorization", "Bearer " + bearerToken);
        }
        CompletableFuture<WebSocket> opening = builder.buildAsync(wsUrl, client.new Listener());
        try {
            client.webSocket = opening.get(limit.toMillis() + 1000, TimeUnit.MILLISECONDS);
            return client;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String why = cause instanceof WebSocketHandshakeException handshake && handshake.getResponse() != null
                    ? "the server answered the upgrade with HTTP " + handshake.getResponse().statusCode()
                    : cause instanceof ConnectException && cause.getMessage() == null
                            ? "connection refused (is anything listening?)"
                            : String.valueOf(cause);
            throw new RccsConnectException(wsUrl, "cannot open " + wsUrl + ": " + why, cause);
        } catch (TimeoutException e) {
            opening.cancel(true);
            throw new RccsConnectException(wsUrl, "cannot open " + wsUrl + ": no answer within " + limit, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            opening.cancel(true);
            throw new RccsConnectException(wsUrl, "interrupted while opening " + wsUrl, e);
        }
    }

    /**
     * Tries the upgrade: 101 when the server accepts it (the socket is closed again at once), else
     * the HTTP status it refused with (such as 401).
     *
     * @throws RccsConnectException when no HTTP answer came at all
     */
    public static int upgradeStatus(URI wsUrl, String bearerToken) {
        RccsClient client;
        try {
            client = connect(wsUrl, bearerToken, DEFAULT_TIMEOUT, false);
        } catch (RccsConnectException e) {
            if (e.httpStatus() > 0) {
                return e.httpStatus();
            }
            throw e;
        }
        client.close();
        return 101;
    }

    /** A fresh frame id: a random UUID, 36 characters. */
    public String nextId() {
        return newId();
    }

    public static String newId() {
        return UUID.randomUUID().toString();
    }

    // ---------------------------------------------------------------------------------- sending

    /** Sends a frame and returns it. */
    public Frame send(Frame frame) {
        sendRaw(FrameCodec.encode(frame));
        return frame;
    }

    /**
     * Builds a client frame with a fresh id and the current time, sends it and returns it.
     *
     * @param to      target device id, or null
     * @param payload a record, a map, an {@link ObjectNode} or null (empty payload)
     */
    public Frame send(String type, String to, Object payload) {
        Frame frame = new Frame(Frame.VERSION, nextId(), type, to, null, null, null, System.currentTimeMillis(),
                payloadOf(payload));
        return send(frame);
    }

    /** Sends any text as one WebSocket text message, valid frame or not. */
    public void sendRaw(String text) {
        synchronized (sendLock) { // the JDK allows one outstanding text send at a time
            complete(webSocket.sendText(text, true), "send");
        }
    }

    /** Sends a WebSocket-level ping (not a protocol {@code ping} frame). */
    public void sendPing() {
        synchronized (sendLock) {
            complete(webSocket.sendPing(ByteBuffer.allocate(0)), "ping");
        }
    }

    /** Sends a WebSocket ping every {@code interval} until the connection closes. */
    public synchronized void keepAlive(Duration interval) {
        if (keepAlive != null) {
            keepAlive.shutdownNow();
        }
        if (closed.isDone()) {
            return;
        }
        keepAlive = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "rccs-keepalive");
            thread.setDaemon(true);
            return thread;
        });
        long millis = Math.max(1000, interval.toMillis());
        keepAlive.scheduleAtFixedRate(() -> {
            if (isOpen()) {
                try {
                    sendPing();
                } catch (RuntimeException ignored) {
                    // the close callback reports a broken connection
                }
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Sends {@code hello} for this device and waits for the {@code welcome} answering it.
     *
     * @throws IllegalStateException when the server answers with an {@code error}
     * @throws FrameTimeoutError     when no answer comes in time
     */
    public Welcome hello(String deviceId, String name, String kind, List<String> capabilities, Duration timeout) {
        return hello(helloPayload(deviceId, name, kind, capabilities, null), timeout);
    }

    /** As {@link #hello(String, String, String, List, Duration)} with a complete payload (platform, resume). */
    public Welcome hello(Hello hello, Duration timeout) {
        Frame sent = sendHello(hello);
        Frame answer = await(FrameMatcher.corr(sent.id())
                .and(FrameMatcher.type(FrameType.WELCOME.wire()).or(FrameMatcher.type(FrameType.ERROR.wire()))), timeout);
        if (answer.is(FrameType.ERROR)) {
            throw new IllegalStateException("hello for " + hello.deviceId() + " was refused: " + answer.payload());
        }
        return payload(answer, Welcome.class);
    }

    /** Sends {@code hello} without waiting for the answer; returns the frame sent. */
    public Frame sendHello(Hello hello) {
        Frame frame = send(FrameType.HELLO.wire(), null, hello);
        deviceId = hello.deviceId();
        return frame;
    }

    /** A {@code hello} payload naming this JVM's platform and {@link #APP_VERSION}, without a credential (a new device). */
    public static Hello helloPayload(String deviceId, String name, String kind, List<String> capabilities, Long resumeLastSeq) {
        return helloPayload(deviceId, name, kind, capabilities, resumeLastSeq, null);
    }

    /**
     * As {@link #helloPayload(String, String, String, List, Long)} for a device that was registered
     * before: {@code credential} is what its first {@code welcome} issued (null for none).
     */
    public static Hello helloPayload(String deviceId, String name, String kind, List<String> capabilities, Long resumeLastSeq,
            String credential) {
        String platform = System.getProperty("os.name", "java").toLowerCase(Locale.ROOT).replace(' ', '-');
        return new Hello(deviceId, name == null ? deviceId : name, kind, platform, APP_VERSION, capabilities,
                resumeLastSeq == null ? null : new Hello.Resume(resumeLastSeq), credential);
    }

    // ---------------------------------------------------------------------------------- receiving

    /**
     * Takes the first received frame, not taken by an earlier wait, that matches; waits up to
     * {@code timeout} for one. Frames that do not match stay for later waits.
     *
     * @throws FrameTimeoutError listing the frames received, when none matches in time or the
     *         connection closes first
     */
    public Frame await(Predicate<Frame> match, Duration timeout) {
        return inbox.await(match, timeout);
    }

    /** Takes the first frame of this wire type, such as {@code "welcome"}. */
    public Frame awaitType(String type, Duration timeout) {
        return await(FrameMatcher.type(type), timeout);
    }

    /** Takes the first frame of this type answering the frame with id {@code corr}. */
    public Frame awaitReply(String corr, String type, Duration timeout) {
        return await(FrameMatcher.corr(corr).and(FrameMatcher.type(type)), timeout);
    }

    /**
     * Waits the whole {@code duration} (less if the connection closes) and answers true when no
     * frame matching came; false as soon as one is there. Takes nothing.
     */
    public boolean nothingMatching(Predicate<Frame> match, Duration duration) {
        return inbox.nothingMatching(match, duration);
    }

    /** Takes the next frame in arrival order, if one comes within {@code timeout}. */
    public Optional<Frame> poll(Duration timeout) {
        return inbox.poll(timeout);
    }

    /** Takes every frame received so far that matches and no wait has taken yet; does not wait. */
    public List<Frame> drain(Predicate<Frame> match) {
        return inbox.drain(match);
    }

    /** Every frame received so far, in order (empty when connected without history). */
    public List<Frame> received() {
        return inbox.history();
    }

    /** The received frames no wait has taken yet. */
    public List<Frame> pending() {
        return inbox.pending();
    }

    /** Text messages from the server that were not frames (should stay empty). */
    public List<String> undecodable() {
        return inbox.undecodable();
    }

    /** Maps a frame's payload to its record; a payload that does not fit is an {@link IllegalArgumentException}. */
    public static <T> T payload(Frame frame, Class<T> type) {
        try {
            return FrameCodec.payload(frame, type);
        } catch (ProtocolException e) {
            throw new IllegalArgumentException(e.getMessage() + " in " + FrameCodec.encode(frame), e);
        }
    }

    // ---------------------------------------------------------------------------------- state

    /** Completes with the close status code when the connection closes (1006 when it broke). */
    public CompletableFuture<Integer> closed() {
        return closed;
    }

    /** The reason text of the close, once closed. */
    public String closeReason() {
        return closeReason;
    }

    /** The error that broke the connection, if one did. */
    public Throwable failure() {
        return failure;
    }

    public boolean isOpen() {
        WebSocket socket = webSocket;
        return socket != null && !closed.isDone() && !socket.isOutputClosed() && !socket.isInputClosed();
    }

    public URI url() {
        return url;
    }

    /** The device id of the last {@code hello} sent, or null. */
    public String deviceId() {
        return deviceId;
    }

    /**
     * Drops the socket without a close handshake, as a lost network or a killed process would: the
     * server sees the connection end with no close frame.
     */
    public void abort() {
        WebSocket socket = webSocket;
        if (socket != null && !closed.isDone()) {
            socket.abort();
            finish(ABNORMAL_CLOSURE, "aborted by the client");
        }
    }

    /** Closes normally (1000) and waits briefly for the server's close; aborts the socket if it does not come. */
    @Override
    public void close() {
        synchronized (this) {
            if (keepAlive != null) {
                keepAlive.shutdownNow();
            }
        }
        WebSocket socket = webSocket;
        if (socket == null || closed.isDone()) {
            return;
        }
        try {
            if (!socket.isOutputClosed()) {
                synchronized (sendLock) {
                    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            closed.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // fall through to abort
        } finally {
            if (!closed.isDone()) {
                socket.abort();
                finish(ABNORMAL_CLOSURE, "aborted by the client");
            }
        }
    }

    @Override
    public String toString() {
        return "RccsClient[" + url + (deviceId == null ? "" : ", device " + deviceId) + (isOpen() ? ", open" : ", closed") + "]";
    }

    // ---------------------------------------------------------------------------------- internals

    private void complete(CompletableFuture<WebSocket> sending, String what) {
        try {
            sending.get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + what + " on " + url, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed on " + url + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " did not complete within " + sendTimeout + " on " + url, e);
        }
    }

    private void finish(int statusCode, String reason) {
        closeReason = reason;
        inbox.markClosed("code " + statusCode + (reason == null || reason.isEmpty() ? "" : ", reason '" + reason + "'"));
        closed.complete(statusCode);
        synchronized (this) {
            if (keepAlive != null) {
                keepAlive.shutdownNow(); // nothing left to keep alive (keepAlive starts none once closed)
            }
        }
    }

    /** A payload object without top-level nulls (the records serialise absent optionals as null). */
    static ObjectNode payloadOf(Object value) {
        ObjectNode node;
        if (value == null) {
            node = FrameCodec.mapper().createObjectNode();
        } else if (value instanceof ObjectNode object) {
            node = object.deepCopy();
        } else {
            node = FrameCodec.toPayload(value);
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext();) {
            if (fields.next().getValue().isNull()) {
                fields.remove();
            }
        }
        return node;
    }

    private void handOver(Frame frame) {
        if (frameListener == null) {
            inbox.add(frame);
            return;
        }
        try {
            frameListener.accept(frame);
        } catch (RuntimeException e) {
            // the listener's failure is its own; the socket keeps reading
            LOG.log(System.Logger.Level.WARNING, "frame listener failed on " + url + " for a " + frame.type() + " frame", e);
        }
    }

    private final class Listener implements WebSocket.Listener {

        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket socket) {
            socket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                Frame frame = null;
                try {
                    frame = FrameCodec.decodeServerFrame(text);
                } catch (RuntimeException e) {
                    inbox.addUndecodable(text);
                }
                if (frame != null) {
                    handOver(frame);
                }
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
            socket.request(1); // the protocol has no binary frames
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket socket, ByteBuffer message) {
            socket.request(1); // the JDK sends the pong itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket socket, ByteBuffer message) {
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            finish(statusCode, reason);
            return null; // the JDK answers the close at once
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            failure = error;
            finish(ABNORMAL_CLOSURE, String.valueOf(error));
        }
    }
}
