package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;

/**
 * {@link RccsDevice} against two scripted gateways: a {@code reconnect} frame (the gateway drains)
 * moves the device to the next gateway after the delay it asks for, resuming after its last seq
 * with nothing handed over twice and nothing lost, and what it queued meanwhile goes to the next
 * gateway.
 */
class RccsDeviceDrainTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private FakeGateway first;
    private FakeGateway second;
    private RccsDevice device;
    private final List<Frame> messages = new CopyOnWriteArrayList<>();
    private final List<Frame> others = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startGateways() throws Exception {
        first = new FakeGateway();
        second = new FakeGateway();
    }

    @AfterEach
    void stop() throws Exception {
        if (device != null) {
            device.close();
        }
        first.close();
        second.close();
    }

    private RccsDevice start(List<java.net.URI> gateways) {
        device = RccsDevice.builder("phone", gateways, () -> "token")
                .onMessage(messages::add)
                .onOtherFrame(others::add)
                .ackDelay(Duration.ofMillis(50))
                .maxBackoff(Duration.ofMillis(200))
                .start();
        return device;
    }

    private static ObjectNode json() {
        return FrameCodec.mapper().createObjectNode();
    }

    private static Frame message(long seq) {
        return new Frame(Frame.VERSION, "m-" + seq, "message", null, "desk", null, seq, 0L, json().put("n", seq));
    }

    /** Takes the connection's hello, welcomes it and returns the hello. */
    private JsonNode welcome(FakeGateway.Connection connection) throws Exception {
        assertThat(connection).as("a connection").isNotNull();
        JsonNode hello = connection.next(WAIT);
        assertThat(hello.path("type").asText()).isEqualTo("hello");
        connection.send("w-" + System.nanoTime(), "welcome", hello.path("id").asText(), json().put("connectionId", "c")
                .put("deviceId", "phone").put("trusted", true).put("heartbeatSec", 0).put("resumed", true).put("missed", 0));
        assertThat(device.awaitConnected(WAIT)).isTrue();
        return hello;
    }

    private void awaitMessages(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (messages.size() < count) {
            assertThat(System.nanoTime()).as(count + " messages handed over, got " + messages).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** What the client sent until it closed the connection (its close code must come within the wait). */
    private static List<JsonNode> sentUntilClosed(FakeGateway.Connection connection) throws InterruptedException {
        List<JsonNode> sent = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (connection.closeCodeFromClient() < 0) {
            assertThat(System.nanoTime()).as("the device closes the draining connection").isLessThan(deadline);
            JsonNode frame = connection.poll(Duration.ofMillis(20));
            if (frame != null) {
                sent.add(frame);
            }
        }
        JsonNode frame;
        while ((frame = connection.poll(Duration.ZERO)) != null) {
            sent.add(frame);
        }
        return sent;
    }

    @Test
    void aReconnectFrameMovesTheDeviceToTheNextGatewayWhichItResumesFrom() throws Exception {
        start(List.of(first.url(), second.url()));
        FakeGateway.Connection draining = first.nextConnection(WAIT);
        welcome(draining);
        for (long seq = 1; seq <= 3; seq++) {
            draining.send(message(seq));
        }
        awaitMessages(3);

        long askedAt = System.nanoTime();
        draining.send("r-1", "reconnect", null, json().put("reason", "draining").put("afterMs", 400));
        draining.send(message(4)); // the gateway still delivers while it drains
        awaitMessages(4);
        Frame queued = device.send("message", "desk", Map.of("text", "sent while the gateway drains"));

        List<JsonNode> sentThere = sentUntilClosed(draining);
        long leftAfterMs = (System.nanoTime() - askedAt) / 1_000_000;
        assertThat(draining.closeCodeFromClient()).as("the device closes it itself, normally").isEqualTo(1000);
        assertThat(leftAfterMs).as("it waits the afterMs asked for").isGreaterThanOrEqualTo(400);
        assertThat(sentThere).as("nothing but acks goes to a draining gateway")
                .allSatisfy(frame -> assertThat(frame.path("type").asText()).isEqualTo("ack"));
        assertThat(device.reconnectsRequested()).isEqualTo(1);

        FakeGateway.Connection next = second.nextConnection(WAIT);
        JsonNode hello = welcome(next);
        assertThat(hello.path("payload").path("resume").path("lastSeq").asLong()).isEqualTo(4);
        next.send(message(4)); // replayed: the server did not see the ack, say
        next.send(message(5));
        awaitMessages(5);

        JsonNode resent = next.next(WAIT);
        while (resent.path("type").asText().equals("ack")) {
            resent = next.next(WAIT);
        }
        assertThat(resent.path("id").asText()).as("the frame queued while draining goes to the next gateway")
                .isEqualTo(queued.id());
        assertThat(messages).extracting(Frame::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(device.lastSeq()).isEqualTo(5);
        assertThat(device.reconnects()).isEqualTo(1);
        assertThat(others).extracting(Frame::type).contains("reconnect");
        assertThat(first.nextConnection(Duration.ofMillis(300))).as("no way back to the draining gateway").isNull();
    }

    @Test
    void aGatewayThatCannotBeReachedIsPassedOverForTheNextOne() throws Exception {
        FakeGateway gone = new FakeGateway();
        java.net.URI goneUrl = gone.url();
        gone.close();
        start(List.of(goneUrl, second.url()));
        welcome(second.nextConnection(WAIT));
        assertThat(device.isConnected()).isTrue();
    }

    @Test
    void theDrainDelayIsWhatTheGatewayAskedPlusABoundedJitter() {
        assertThat(RccsDevice.drainDelayMillis(0, 0.0)).isZero();
        assertThat(RccsDevice.drainDelayMillis(0, 0.999)).isBetween(0L, 100L);
        assertThat(RccsDevice.drainDelayMillis(1000, 0.0)).isEqualTo(1000);
        assertThat(RccsDevice.drainDelayMillis(1000, 0.999)).isBetween(1000L, 1250L);
        assertThat(RccsDevice.drainDelayMillis(-5, 0.5)).isBetween(0L, 100L);
        assertThat(RccsDevice.drainDelayMillis(3_600_000, 0.999)).as("never longer than the cap")
                .isEqualTo(RccsDevice.MAX_DRAIN_WAIT.toMillis());
    }
}
