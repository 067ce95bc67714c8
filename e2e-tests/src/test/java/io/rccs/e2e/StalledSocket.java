package io.rccs.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Hello;

/**
 * A device whose peer stops reading: a JDK WebSocket that says hello, reads until its welcome, and
 * then asks for nothing more. The JDK reads the socket only on demand, so from then on it takes in
 * no frame and answers no ping (a hung app, a suspended laptop), until {@link #readAgain()}.
 */
final class StalledSocket implements AutoCloseable {

    private final CompletableFuture<Frame> welcome = new CompletableFuture<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket socket;
    private volatile String helloId;
    private volatile boolean stalled;

    private StalledSocket(URI gateway, String token) {
        try {
            socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .header("Authorization", "Bearer " + token)
                    .buildAsync(gateway, new Listener())
                    .get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot open " + gateway + ": " + e, e);
        }
    }

    /** Connects, says hello as {@code deviceId} with its credential, and stops reading once welcomed. */
    static StalledSocket welcomed(URI gateway, String token, String deviceId, String credential) {
        StalledSocket stalled = new StalledSocket(gateway, token);
        Hello hello = RccsClient.helloPayload(deviceId, deviceId, "desktop", List.of(), null, credential);
        Frame frame = new Frame(Frame.VERSION, RccsClient.newId(), FrameType.HELLO.wire(), null, null, null, null,
                System.currentTimeMillis(), FrameCodec.toPayload(hello));
        stalled.helloId = frame.id();
        stalled.socket.sendText(FrameCodec.encode(frame), true).join();
        try {
            Frame answer = stalled.welcome.get(30, TimeUnit.SECONDS);
            if (!answer.is(FrameType.WELCOME)) {
                throw new AssertionError("the hello of " + deviceId + " was answered " + FrameCodec.encode(answer));
            }
        } catch (Exception e) {
            stalled.socket.abort();
            throw new AssertionError("no welcome for " + deviceId + ": " + e, e);
        }
        return stalled;
    }

    /** Reads again: what waited in the socket is taken in, up to the close frame if one came. */
    void readAgain() {
        stalled = false;
        socket.request(Long.MAX_VALUE);
    }

    /** The close code once a close frame (or the connection's end) was read. */
    CompletableFuture<Integer> closed() {
        return closed;
    }

    /** Waits for the close code: {@code -1} when none came within {@code limit}. */
    int closeCode(Duration limit) {
        try {
            return closed.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return -1;
        }
    }

    @Override
    public void close() {
        socket.abort();
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
                String text = partial.toString();
                partial.setLength(0);
                try {
                    Frame frame = FrameCodec.decodeServerFrame(text);
                    if (helloId != null && helloId.equals(frame.corr())
                            && (frame.is(FrameType.WELCOME) || frame.is(FrameType.ERROR))) {
                        stalled = frame.is(FrameType.WELCOME);
                        welcome.complete(frame);
                    }
                } catch (RuntimeException ignored) {
                    // not a frame: nothing to wait for
                }
            }
            more(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            more(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            more(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            more(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            welcome.completeExceptionally(new IllegalStateException("closed with " + statusCode + " before the welcome"));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(1006);
            welcome.completeExceptionally(error);
        }

        /** One more message, unless it stalled (after {@link #readAgain()} the demand is unbounded anyway). */
        private void more(WebSocket webSocket) {
            if (!stalled) {
                webSocket.request(1);
            }
        }
    }
}
