package io.rccs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;

/**
 * A connection nobody abuses, to show that abuse elsewhere does not reach it: a device (pending is
 * enough: the gateway answers ping itself) that sends a protocol {@code ping} every 200 ms and times
 * each {@code pong}. It has an HttpClient of its own, so the test's other sockets (which share the
 * JDK's one selector thread per client) cannot delay it on this side.
 */
final class Bystander implements AutoCloseable {

    private static final long INTERVAL_MILLIS = 200;

    private final Duration deadline;
    private final WebSocket socket;
    private final CompletableFuture<Frame> welcome = new CompletableFuture<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    /** Pings sent and not answered yet: id -> when. */
    private final Map<String, Long> waiting = new ConcurrentHashMap<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong slowestMillis = new AtomicLong();
    private final AtomicLong pongs = new AtomicLong();
    private final Thread pinger;
    private volatile String helloId;
    private volatile boolean running = true;

    /** Connects to {@code gateway} as a new device of the user and starts pinging. */
    Bystander(URI gateway, String token, String deviceId, Duration deadline) {
        this.deadline = deadline;
        try {
            socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .header("Authorization", "Bearer " + token)
                    .buildAsync(gateway, new Listener())
                    .get(20, TimeUnit.SECONDS);
            Frame hello = frame(FrameType.HELLO.wire(), FrameCodec.toPayload(
                    RccsClient.helloPayload(deviceId, deviceId, "desktop", List.of(), null, null)));
            helloId = hello.id();
            socket.sendText(FrameCodec.encode(hello), true).get(10, TimeUnit.SECONDS);
            Frame answer = welcome.get(30, TimeUnit.SECONDS);
            if (!answer.is(FrameType.WELCOME)) {
                throw new AssertionError("the bystander's hello was answered " + FrameCodec.encode(answer));
            }
        } catch (Exception e) {
            throw new AssertionError("cannot connect the bystander to " + gateway + ": " + e, e);
        }
        pinger = new Thread(this::run, "bystander-" + deviceId);
        pinger.setDaemon(true);
        pinger.start();
    }

    private void run() {
        while (running && !closed.isDone()) {
            long now = System.nanoTime();
            waiting.forEach((id, sentAt) -> {
                if (now - sentAt > deadline.toNanos() && waiting.remove(id) != null) {
                    failures.add(Instant.now() + ": no pong within " + deadline + " for ping " + id);
                }
            });
            Frame ping = frame(FrameType.PING.wire(), FrameCodec.mapper().createObjectNode());
            waiting.put(ping.id(), System.nanoTime());
            try {
                socket.sendText(FrameCodec.encode(ping), true).get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                failures.add(Instant.now() + ": the ping could not be sent within " + deadline + ": " + e);
            }
            Devices.sleep(INTERVAL_MILLIS);
        }
    }

    /** No pong later than the deadline, some pongs at all, and the connection still open. */
    void assertUnaffected() {
        System.out.printf("bystander: %d pongs, the slowest after %d ms%n", pongs.get(), slowestMillis.get());
        assertThat(failures).as("the bystander's pings (deadline %s)", deadline).isEmpty();
        assertThat(pongs.get()).as("pongs to the bystander").isPositive();
        assertThat(slowestMillis.get()).as("the slowest pong, ms").isLessThan(deadline.toMillis());
        assertThat(closed).as("the bystander's connection is open").isNotDone();
    }

    @Override
    public void close() {
        running = false;
        try {
            pinger.join(deadline.toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.abort();
    }

    private static Frame frame(String type, com.fasterxml.jackson.databind.node.ObjectNode payload) {
        return new Frame(Frame.VERSION, RccsClient.newId(), type, null, null, null, null, System.currentTimeMillis(), payload);
    }

    private final class Listener implements WebSocket.Listener {

        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                long now = System.nanoTime();
                String text = partial.toString();
                partial.setLength(0);
                try {
                    Frame frame = FrameCodec.decodeServerFrame(text);
                    if (frame.is(FrameType.PONG) && frame.corr() != null) {
                        Long sentAt = waiting.remove(frame.corr());
                        if (sentAt != null) {
                            slowestMillis.accumulateAndGet(Duration.ofNanos(now - sentAt).toMillis(), Math::max);
                            pongs.incrementAndGet();
                        }
                    } else if (helloId != null && helloId.equals(frame.corr())) {
                        welcome.complete(frame);
                    }
                } catch (RuntimeException e) {
                    failures.add("an undecodable frame: " + text);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            failures.add(Instant.now() + ": closed with " + statusCode + " " + reason);
            closed.complete(statusCode);
            welcome.completeExceptionally(new IllegalStateException("closed with " + statusCode));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            failures.add(Instant.now() + ": " + error);
            closed.complete(1006);
            welcome.completeExceptionally(error);
        }
    }
}
