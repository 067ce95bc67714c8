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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.model.protocol.payload.Payload;

/**
 * One device's WebSocket on the JDK client: says {@code hello} (with the device's credential, if it
 * has one), waits for {@code welcome}, then hands every later frame, with the time its first byte
 * arrived, to a {@link Handler} — unless someone {@linkplain #next waits} for that frame.
 */
final class FrameSocket implements WebSocket.Listener, FrameSink {

    interface Handler {
        /** Called on the socket's listener thread, one frame at a time. */
        void onFrame(FrameSocket socket, JsonNode frame, long receivedNanos);
    }

    /** Someone waiting for a frame; the frame it takes does not reach the handler. */
    private record Waiter(Predicate<JsonNode> matches, CompletableFuture<JsonNode> frame) {
    }

    private final String label;
    private final String deviceId;
    private final Handler handler;
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private final CompletableFuture<JsonNode> welcome = new CompletableFuture<>();
    private final String helloId = UUID.randomUUID().toString();
    private long firstFragmentNanos;
    private volatile SendChain sends;
    private volatile WebSocket socket;
    private volatile boolean closing;
    private volatile String closeReason;
    private volatile boolean trusted;
    private volatile String issuedCredential;
    private volatile long helloSentNanos;
    private volatile long welcomeNanos;

    private FrameSocket(String label, String deviceId, Handler handler) {
        this.label = label;
        this.deviceId = deviceId;
        this.handler = handler;
    }

    /**
     * Connects with the token, sends {@code hello} for the device and returns once {@code welcome} came.
     *
     * @param credential what an earlier welcome issued to this device, or null for a device not registered yet
     * @throws HelloRefused when the server answers the hello with an error (a wrong credential, say)
     */
    static FrameSocket open(HttpClient http, URI url, AccessToken token, DevicePlan plan, String credential, String label,
            Handler handler, Duration timeout) {
        FrameSocket device = new FrameSocket(label, plan.deviceId(), handler);
        try {
            WebSocket socket = http.newWebSocketBuilder()
                    .header("Authorization", "Bearer " + token.value())
                    .connectTimeout(timeout)
                    .buildAsync(url, device)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            device.attach(socket);
            Hello hello = new Hello(plan.deviceId(), plan.name(), plan.kind(), "bench", "bench/1", plan.capabilities(), null,
                    credential);
            String helloText = FrameCodec.encode(Frame.client(device.helloId, FrameType.HELLO, null, FrameCodec.toPayload(hello)));
            device.helloSentNanos = System.nanoTime();
            device.send(helloText, null);
            JsonNode welcome = device.welcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS).path("payload");
            device.trusted = welcome.path("trusted").asBoolean(false);
            device.issuedCredential = welcome.hasNonNull("credential") ? welcome.path("credential").asText() : null;
            return device;
        } catch (ExecutionException e) {
            device.abort();
            if (e.getCause() instanceof HelloRefused refused) {
                throw refused;
            }
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

    @Override
    public void send(String text, SendChain.Outcome outcome) {
        SendChain chain = sends;
        if (chain == null) {
            if (outcome != null) {
                outcome.done(new IOException(label + " is not connected"));
            }
            return;
        }
        chain.send(text, outcome);
    }

    /**
     * Sends a frame and completes with the first frame that answers it ({@code corr} = its id): the
     * answer or an {@code error}. A frame that has no answer on success ({@code pair.claim}) leaves
     * the future pending: cancel it when done.
     */
    CompletableFuture<JsonNode> ask(FrameType type, Payload payload) {
        String id = UUID.randomUUID().toString();
        CompletableFuture<JsonNode> answer = next(frame -> id.equals(frame.path("corr").asText(null)));
        send(FrameCodec.encode(Frame.client(id, type, null, FrameCodec.toPayload(payload))), failure -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            }
        });
        return answer;
    }

    /** Completes with the next frame that matches; cancel it to stop waiting. */
    CompletableFuture<JsonNode> next(Predicate<JsonNode> matches) {
        CompletableFuture<JsonNode> frame = new CompletableFuture<>();
        waiters.add(new Waiter(matches, frame));
        if (closeReason != null) {
            frame.completeExceptionally(new BenchException(label + " is closed: " + closeReason));
        }
        return frame;
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

    String deviceId() {
        return deviceId;
    }

    /** Whether the device was trusted at its welcome or has been paired since. */
    boolean trusted() {
        return trusted;
    }

    /** Called once the device's {@code pair.result} said approved: the gateway now lets it send anything. */
    void markTrusted() {
        trusted = true;
    }

    /** The credential the welcome issued (a device's first hello only), else null. */
    String issuedCredential() {
        return issuedCredential;
    }

    /** When ({@code System.nanoTime}) the {@code hello} was handed to the socket, after the upgrade. */
    long helloSentNanos() {
        return helloSentNanos;
    }

    /** When ({@code System.nanoTime}) the first byte of the {@code welcome} arrived. */
    long welcomeNanos() {
        return welcomeNanos;
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
                welcomeNanos = receivedNanos;
                welcome.complete(frame);
            } else {
                JsonNode error = frame.path("payload");
                welcome.completeExceptionally(new HelloRefused(label, error.path("code").asText("unknown"),
                        error.path("message").asText(text)));
            }
            return;
        }
        if (!waiters.isEmpty() && handedToWaiter(frame)) {
            return;
        }
        handler.onFrame(this, frame, receivedNanos);
    }

    private boolean handedToWaiter(JsonNode frame) {
        for (Waiter waiter : waiters) {
            if (waiter.frame().isDone()) {
                waiters.remove(waiter); // cancelled or failed: nobody waits any more
            } else if (waiter.matches().test(frame)) {
                waiters.remove(waiter);
                return waiter.frame().complete(frame);
            }
        }
        return false;
    }

    private void failWaiters() {
        BenchException closed = new BenchException(label + " is closed: " + closeReason);
        waiters.forEach(waiter -> waiter.frame().completeExceptionally(closed));
        waiters.clear();
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason = statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason);
        welcome.completeExceptionally(new BenchException("closed by the server: " + closeReason));
        failWaiters();
        if (!closing) {
            System.err.println("[bench] " + label + ": closed by the server: " + closeReason);
        }
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeReason = "error " + error;
        welcome.completeExceptionally(error);
        failWaiters();
        if (!closing) {
            System.err.println("[bench] " + label + ": " + error);
        }
    }
}
