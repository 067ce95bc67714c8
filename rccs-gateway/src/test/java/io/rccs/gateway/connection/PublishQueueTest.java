package io.rccs.gateway.connection;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;

class PublishQueueTest {

    private static Frame frame(String id) {
        return Frame.client(id, FrameType.MESSAGE, "desk", null);
    }

    @Test
    void framesGoOneAtATimeInOrder() {
        PublishQueue queue = new PublishQueue(10);
        assertThat(queue.offer(frame("a"), 0)).isEqualTo(PublishQueue.Offer.QUEUED);
        assertThat(queue.offer(frame("b"), 0)).isEqualTo(PublishQueue.Offer.QUEUED);
        assertThat(queue.next().id()).isEqualTo("a");
        assertThat(queue.next()).as("b waits until a is acknowledged").isNull();
        queue.published();
        assertThat(queue.next().id()).isEqualTo("b");
        queue.published();
        assertThat(queue.next()).isNull();
    }

    @Test
    void aRefusedFrameTakesTheOnesBehindItAndLaterFramesWaitForItsResend() {
        PublishQueue queue = new PublishQueue(10);
        queue.offer(frame("a"), 0);
        queue.offer(frame("b"), 0);
        queue.offer(frame("c"), 0);
        queue.next();
        assertThat(queue.failed(0)).extracting(Frame::id).containsExactly("a", "b", "c");
        assertThat(queue.offer(frame("d"), 1)).as("sent before the client heard of the refusal").isEqualTo(PublishQueue.Offer.REFUSED);
        assertThat(queue.offer(frame("a"), 2)).as("the resend of the first refused frame").isEqualTo(PublishQueue.Offer.QUEUED);
        assertThat(queue.offer(frame("b"), 2)).isEqualTo(PublishQueue.Offer.QUEUED);
    }

    @Test
    void aFullQueueRefusesAndTheRefusalEndsWithTheResendOrAfterTheLimit() {
        PublishQueue queue = new PublishQueue(1);
        queue.offer(frame("a"), 0);
        assertThat(queue.offer(frame("b"), 0)).isEqualTo(PublishQueue.Offer.REFUSED);
        assertThat(queue.offer(frame("c"), 0)).isEqualTo(PublishQueue.Offer.REFUSED);
        queue.next();
        queue.published();
        assertThat(queue.offer(frame("c"), 1)).as("still waiting for b").isEqualTo(PublishQueue.Offer.REFUSED);
        assertThat(queue.offer(frame("c"), PublishQueue.REFUSAL_LIMIT_NANOS + 1)).isEqualTo(PublishQueue.Offer.QUEUED);
    }
}
