package io.rccs.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Hello;

/**
 * One device's WebSocket on the JDK client: says {@code hello}, waits for {@code welcome}, then hands
 * every later frame, with the time its first byte arrived, to a {@link Handler}.
 */
final class FrameSocket implements WebSocket.Listener {

    interface Handler {
        /** Called on the socket's listener thread, one frame at a time. */
        void onFrame(FrameSocket socket, JsonNode frame, long receivedNanos);
    }

    private final String label;
    private final Handler handler;
    private final StringBuilder partial = new StringBuilder();
    private final CompletableFuture<JsonNode> welcome = new CompletableFuture<>();
    private final String helloId = UUID.randomUUID().toString();
    private long firstFragmentNanos;
    private volatile SendChain sends;
    private volatile WebSocket socket;
    private volatile boolean closing;
    private volatile String closeReason;

    private FrameSocket(String label, Handler handler) {
        this.label = label;
        this.handler = handler;
    }

    /** Connects with the token, sends {@code hello} for the device and returns once {@code welcome} came. */
    static FrameSocket open(HttpClient http, URI url, AccessToken token, String deviceId, String deviceName, String label,
            Handler handler, Duration timeout) {
        FrameSocket device = new FrameSocket(label, handler);
        try {
            WebSocket socket = http.newWebSocketBuilder()
                    .header("Authorization", "Bearer " + token.value())
                    .connectTimeout(timeout)
                    .buildAsync(url, device)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            device.attach(socket);
            Hello hello = new Hello(deviceId, deviceName, "desktop", "bench", "bench/1", List.of(), null);
            device.send(FrameCodec.encode(Frame.client(device.helloId, FrameType.HELLO, null, FrameCodec.toPayload(hello))), null);
            device.welcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return device;
        } catch (ExecutionException e) {
            device.abort();
            throw new BenchException(label + ": cannot connect to " + url + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            device.abort();
            throw new BenchException(label + ": no welcome from " + url + " within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            device.abort();
            throw new BenchException(label + ": interrupted while connecting", e);
        }
    }

    private synchronized void attach(WebSocket connected) {
        if (socket == null) {
            socket = connected;
            sends = new SendChain(connected);
        }
    }

    void send(String text, SendChain.Outcome outcome) {
        SendChain chain = sends;
        if (chain == null) {
            if (outcome != null) {
                outcome.done(new IOException(label + " is not connected"));
            }
            return;
        }
        chain.send(text, outcome);
    }

    /** Frames waiting for the socket: a growing number means the client cannot keep up. */
    int queuedFrames() {
        SendChain chain = sends;
        return chain == null ? 0 : chain.queued();
    }

    boolean isOpen() {
        WebSocket current = socket;
        return current != null && closeReason == null && !current.isOutputClosed() && !current.isInputClosed();
    }

    String label() {
        return label;
    }

    /** Why the server closed the socket, or null while it is open. */
    String closeReason() {
        return closeReason;
    }

    void close() {
        closing = true;
        WebSocket current = socket;
        if (current != null && !current.isOutputClosed()) {
            current.sendClose(WebSocket.NORMAL_CLOSURE, "bench done").orTimeout(2, TimeUnit.SECONDS)
                    .whenComplete((ok, error) -> current.abort());
        }
    }

    private void abort() {
        closing = true;
        WebSocket current = socket;
        if (current != null) {
            current.abort();
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        attach(webSocket);
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        if (partial.length() == 0) {
            firstFragmentNanos = System.nanoTime();
        }
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            dispatch(text, firstFragmentNanos);
        }
        webSocket.request(1);
        return null;
    }

    private void dispatch(String text, long receivedNanos) {
        JsonNode frame;
        try {
            frame = FrameCodec.mapper().readTree(text);
        } catch (IOException e) {
            System.err.println("[bench] " + label + ": ignoring a frame that is not JSON: " + text);
            return;
        }
        String type = frame.path("type").asText();
        if (!welcome.isDone() && helloId.equals(frame.path("corr").asText(null))) {
            if (FrameType.WELCOME.wire().equals(type)) {
                welcome.complete(frame);
            } else {
                welcome.completeExceptionally(new BenchException("hello refused: " + text));
            }
            return;
        }
        handler.onFrame(this, frame, receivedNanos);
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason = statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason);
        welcome.completeExceptionally(new BenchException("closed by the server: " + closeReason));
        if (!closing) {
            System.err.println("[bench] " + label + ": closed by the server: " + closeReason);
        }
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeReason = "error " + error;
        welcome.completeExceptionally(error);
        if (!closing) {
            System.err.println("[bench] " + label + ": " + error);
        }
    }
}
