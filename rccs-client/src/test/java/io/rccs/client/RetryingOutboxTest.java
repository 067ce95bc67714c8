package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.rccs.model.protocol.Frame;

class RetryingOutboxTest {

    private static Frame frame(String id) {
        return new Frame(Frame.VERSION, id, "message", "laptop", null, null, null, 0L, null);
    }

    private static List<String> sendAll(RetryingOutbox outbox) {
        List<String> sent = new ArrayList<>();
        Frame next;
        while ((next = outbox.next()) != null) {
            sent.add(next.id());
            outbox.markSent();
        }
        return sent;
    }

    @Test
    void framesGoOutInTheOrderTheyWereHandedOver() {
        RetryingOutbox outbox = new RetryingOutbox(10, 3);
        outbox.add(frame("a"));
        outbox.add(frame("b"));

        assertThat(sendAll(outbox)).containsExactly("a", "b");
        assertThat(outbox.queuedCount()).isZero();
    }

    @Test
    void aRefusedFrameGoesBackToItsOriginalPlaceWithItsId() {
        RetryingOutbox outbox = new RetryingOutbox(10, 3);
        outbox.add(frame("a"));
        outbox.add(frame("b"));
        outbox.add(frame("c"));
        sendAll(outbox);
        outbox.add(frame("d"));

        assertThat(outbox.requeue("c")).hasValue(1);
        assertThat(outbox.requeue("a")).hasValue(1);

        assertThat(sendAll(outbox)).containsExactly("a", "c", "d");
    }

    @Test
    void aFrameIsSentAtMostMaxAttemptsTimes() {
        RetryingOutbox outbox = new RetryingOutbox(10, 2);
        outbox.add(frame("a"));
        sendAll(outbox);

        assertThat(outbox.requeue("a")).hasValue(1);
        sendAll(outbox);
        assertThat(outbox.requeue("a")).isEmpty();
        assertThat(outbox.next()).isNull();
    }

    @Test
    void unknownForgottenAndLongAgoFramesAreNotRequeued() {
        RetryingOutbox outbox = new RetryingOutbox(2, 5);
        outbox.add(frame("a"));
        outbox.add(frame("b"));
        outbox.add(frame("c"));
        sendAll(outbox);
        outbox.forget("c");

        assertThat(outbox.requeue("nobody")).isEmpty();
        assertThat(outbox.requeue("c")).isEmpty();
        assertThat(outbox.requeue("a")).isEmpty(); // only the latest two are remembered
        assertThat(outbox.requeue("b")).hasValue(1);
    }

    @Test
    void aWithdrawnFrameThatNeverWentOutIsNeitherSentNorRequeuedByALateError() {
        RetryingOutbox outbox = new RetryingOutbox(10, 3);
        outbox.add(frame("a"));
        outbox.add(frame("b"));

        assertThat(outbox.withdraw("b")).as("it cannot have taken effect").isTrue();
        assertThat(sendAll(outbox)).containsExactly("a");

        // refused as retryable, queued again, then given up on: that send did nothing either
        assertThat(outbox.requeue("a")).hasValue(1);
        assertThat(outbox.withdraw("a")).isTrue();
        assertThat(outbox.next()).isNull();
    }

    @Test
    void aWithdrawnFrameThatWentOutMayHaveTakenEffectAndALateRetryableErrorDoesNotSendItAgain() {
        RetryingOutbox outbox = new RetryingOutbox(10, 3);
        outbox.add(frame("a"));
        sendAll(outbox);

        assertThat(outbox.withdraw("a")).isFalse();
        assertThat(outbox.requeue("a")).as("its caller gave up on it").isEmpty();
        assertThat(outbox.next()).isNull();
        assertThat(outbox.withdraw("never-queued")).as("not known here: it may have gone out").isFalse();
    }

    @Test
    void aFrameWhoseDeadlinePassedIsDroppedUnsent() throws InterruptedException {
        RetryingOutbox outbox = new RetryingOutbox(10, 3);
        outbox.add(frame("late"), System.nanoTime() + 1_000_000);
        outbox.add(frame("on-time"), System.nanoTime() + 60_000_000_000L);
        outbox.add(frame("whenever"));
        Thread.sleep(5);

        assertThat(sendAll(outbox)).containsExactly("on-time", "whenever");
        assertThat(outbox.withdraw("late")).as("dropped before it went out").isTrue();
    }
}
