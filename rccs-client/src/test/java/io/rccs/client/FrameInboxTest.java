package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;

class FrameInboxTest {

    private static Frame frame(String id, FrameType type, String corr) {
        return Frame.server(id, type, corr, FrameCodec.toPayload(Map.of("n", id)));
    }

    @Test
    void takesTheFirstMatchAndLeavesTheRest() {
        FrameInbox inbox = new FrameInbox(true);
        inbox.add(frame("1", FrameType.PRESENCE, null));
        inbox.add(frame("2", FrameType.PONG, "p1"));
        inbox.add(frame("3", FrameType.PONG, "p2"));

        assertThat(inbox.await(FrameMatcher.type("pong"), Duration.ofSeconds(1)).id()).isEqualTo("2");
        assertThat(inbox.await(FrameMatcher.type("pong"), Duration.ofSeconds(1)).id()).isEqualTo("3");
        assertThat(inbox.pending()).extracting(Frame::id).containsExactly("1");
        assertThat(inbox.history()).extracting(Frame::id).containsExactly("1", "2", "3");
        assertThat(inbox.poll(Duration.ZERO)).map(Frame::id).contains("1");
        assertThat(inbox.poll(Duration.ofMillis(10))).isEmpty();
    }

    @Test
    void waitsForAFrameThatArrivesLater() throws Exception {
        FrameInbox inbox = new FrameInbox(true);
        CompletableFuture<Frame> waiting = CompletableFuture.supplyAsync(
                () -> inbox.await(FrameMatcher.corr("h1"), Duration.ofSeconds(10)));
        Thread.sleep(50);
        inbox.add(frame("a", FrameType.PRESENCE, null));
        inbox.add(frame("b", FrameType.WELCOME, "h1"));
        assertThat(waiting.get(5, TimeUnit.SECONDS).id()).isEqualTo("b");
    }

    @Test
    void timesOutNamingWhatItWaitedForAndWhatCame() {
        FrameInbox inbox = new FrameInbox(true);
        inbox.add(frame("seen-1", FrameType.PRESENCE, null));
        assertThatThrownBy(() -> inbox.await(FrameMatcher.type("welcome").and(FrameMatcher.corr("h9")), Duration.ofMillis(50)))
                .isInstanceOf(FrameTimeoutError.class)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("type=welcome and corr=h9")
                .hasMessageContaining("seen-1");
    }

    @Test
    void failsFastOnceClosed() {
        FrameInbox inbox = new FrameInbox(true);
        inbox.add(frame("last", FrameType.ERROR, null));
        inbox.markClosed("code 4408");
        long start = System.nanoTime();
        assertThatThrownBy(() -> inbox.await(FrameMatcher.type("welcome"), Duration.ofSeconds(30)))
                .isInstanceOf(FrameTimeoutError.class)
                .hasMessageContaining("4408")
                .hasMessageContaining("last");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        // what arrived before the close can still be taken
        assertThat(inbox.await(FrameMatcher.type("error"), Duration.ofSeconds(1)).id()).isEqualTo("last");
    }

    @Test
    void nothingMatchingWaitsAndTakesNothing() {
        FrameInbox inbox = new FrameInbox(true);
        inbox.add(frame("x", FrameType.PRESENCE, null));
        long start = System.nanoTime();
        assertThat(inbox.nothingMatching(FrameMatcher.type("message"), Duration.ofMillis(200))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
        assertThat(inbox.nothingMatching(FrameMatcher.type("presence"), Duration.ofSeconds(5))).isFalse();
        assertThat(inbox.pending()).hasSize(1);
    }

    @Test
    void nothingMatchingSeesALateArrival() throws Exception {
        FrameInbox inbox = new FrameInbox(true);
        CompletableFuture<Boolean> quiet = CompletableFuture.supplyAsync(
                () -> inbox.nothingMatching(FrameMatcher.type("message"), Duration.ofSeconds(10)));
        Thread.sleep(50);
        inbox.add(frame("m", FrameType.MESSAGE, null));
        assertThat(quiet.get(5, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void drainTakesEveryPendingMatch() {
        FrameInbox inbox = new FrameInbox(true);
        inbox.add(frame("1", FrameType.COMMAND_STATUS, "s1"));
        inbox.add(frame("2", FrameType.PRESENCE, null));
        inbox.add(frame("3", FrameType.COMMAND_STATUS, "s1"));
        assertThat(inbox.drain(FrameMatcher.corr("s1"))).extracting(Frame::id).containsExactly("1", "3");
        assertThat(inbox.pending()).extracting(Frame::id).containsExactly("2");
        assertThat(inbox.drain(FrameMatcher.corr("s1"))).isEmpty();
    }

    @Test
    void withoutHistoryOnlyPendingIsKept() {
        FrameInbox inbox = new FrameInbox(false);
        inbox.add(frame("1", FrameType.PONG, "p"));
        assertThat(inbox.history()).isEmpty();
        assertThat(inbox.pending()).hasSize(1);
    }
}
