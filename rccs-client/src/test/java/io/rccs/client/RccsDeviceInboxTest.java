package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.PairCode;

/**
 * {@link RccsDevice} against a scripted gateway: every frame with a seq (messages, and the
 * {@code command.status} frames the command queue puts in the inbox) is handed over once, in seq
 * order, to the handler its type belongs to, and acknowledged and resumed from alike.
 */
class RccsDeviceInboxTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private FakeGateway gateway;
    private RccsDevice device;
    /** What the application got, both handlers together, in the order it got it. */
    private final List<Frame> handed = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startGateway() throws Exception {
        gateway = new FakeGateway();
        device = RccsDevice.builder("phone", List.of(gateway.url()), () -> "token")
                .onMessage(handed::add)
                .onOtherFrame(handed::add)
                .ackDelay(Duration.ofMillis(50))
                .maxBackoff(Duration.ofMillis(200))
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        device.close();
        gateway.close();
    }

    private static ObjectNode json() {
        return FrameCodec.mapper().createObjectNode();
    }

    private static Frame message(long seq) {
        return new Frame(Frame.VERSION, "m-" + seq, "message", null, "desk", null, seq, 0L, json().put("n", seq));
    }

    private static Frame status(long seq, String status, String corr) {
        return new Frame(Frame.VERSION, "s-" + seq, "command.status", null, null, corr, seq, 0L,
                json().put("commandId", "c-1").put("status", status));
    }

    /** Takes the connection's hello, welcomes it and returns the hello. */
    private JsonNode welcome(FakeGateway.Connection connection) throws Exception {
        JsonNode hello = connection.next(WAIT);
        assertThat(hello.path("type").asText()).isEqualTo("hello");
        connection.send("w-" + System.nanoTime(), "welcome", hello.path("id").asText(), json().put("connectionId", "c")
                .put("deviceId", "phone").put("trusted", true).put("heartbeatSec", 0).put("resumed", true).put("missed", 0));
        assertThat(device.awaitConnected(WAIT)).isTrue();
        return hello;
    }

    /** Reads what the device sends until an ack up to {@code upTo} comes. */
    private static void awaitAck(FakeGateway.Connection connection, long upTo) throws InterruptedException {
        long acked;
        do {
            JsonNode sent = connection.next(WAIT);
            assertThat(sent.path("type").asText()).as("the device sends only acks here").isEqualTo("ack");
            acked = sent.path("payload").path("upTo").asLong();
            assertThat(acked).isLessThanOrEqualTo(upTo);
        } while (acked < upTo);
    }

    private void awaitHanded(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (handed.size() < count) {
            assertThat(System.nanoTime()).as(count + " frames handed over, got " + handed).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void commandStatusFromTheInboxIsHandedOverOnceInSeqOrderAmongMessagesAndAcknowledged() throws Exception {
        FakeGateway.Connection connection = gateway.nextConnection(WAIT);
        welcome(connection);
        connection.send(message(1));
        connection.send(status(3, "DISPATCHED", null)); // ahead of a gap: held
        connection.send(status(2, "QUEUED", "submit-1"));
        connection.send(status(2, "QUEUED", "submit-1")); // the server sent it again
        connection.send(message(4));
        connection.send("p-1", "presence", null, json().put("deviceId", "desk").put("presence", "online")); // no seq

        awaitHanded(6); // welcome, 4 inbox frames, presence
        assertThat(handed).extracting(Frame::type).containsExactly("welcome", "message", "command.status", "command.status",
                "message", "presence");
        assertThat(handed).filteredOn(frame -> frame.seq() != null).extracting(Frame::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(handed.get(2).corr()).isEqualTo("submit-1");
        awaitAck(connection, 4);
        assertThat(device.lastSeq()).isEqualTo(4);

        // the statuses count for the resume like the messages do
        connection.close(1011);
        JsonNode hello = welcome(gateway.nextConnection(WAIT));
        assertThat(hello.path("payload").path("resume").path("lastSeq").asLong()).isEqualTo(4);
    }

    @Test
    void aFrameWithSeqThatAnswersARequestCompletesItWhenItsTurnComes() throws Exception {
        FakeGateway.Connection connection = gateway.nextConnection(WAIT);
        welcome(connection);
        connection.send(message(1));
        CompletableFuture<PairCode> code = device.pairStart();
        JsonNode start = connection.next(WAIT);
        while (!start.path("type").asText().equals("pair.start")) {
            start = connection.next(WAIT); // an ack of message 1 may come first
        }
        connection.send(new Frame(Frame.VERSION, "s-3", "pair.code", null, null, start.path("id").asText(), 3L, 0L,
                json().put("code", "ACDEFGHJ").put("expiresAt", 1L).put("uri", "rccs://pair?code=ACDEFGHJ")));
        // frames are handled in arrival order: once this one is handed over, the pair.code was looked at
        connection.send("p-1", "presence", null, json().put("deviceId", "desk").put("presence", "online"));
        awaitHanded(3);
        assertThat(code).as("held behind seq 2").isNotDone();

        connection.send(message(2));
        assertThat(code.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).code()).isEqualTo("ACDEFGHJ");
        awaitHanded(5);
        assertThat(handed).extracting(Frame::type).containsExactly("welcome", "message", "presence", "message", "pair.code");
    }
}
