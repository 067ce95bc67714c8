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
    void framesGoInOrderAtMostAWindowAtATime() {
        PublishQueue queue = new PublishQueue(1000);
        for (int i = 0; i < PublishQueue.WINDOW + 2; i++) {
            assertThat(queue.offer(frame("f" + i), 0)).isEqualTo(PublishQueue.Offer.QUEUED);
        }
        assertThat(queue.take()).hasSize(PublishQueue.WINDOW).first().extracting(Frame::id).isEqualTo("f0");
        assertThat(queue.take()).as("the window is full").isEmpty();
        queue.published();
        assertThat(queue.take()).extracting(Frame::id).containsExactly("f" + PublishQueue.WINDOW);
    }

    @Test
    void aRefusedFrameTakesTheOnesWaitingBehindItAndLaterFramesWaitForItsResend() {
        PublishQueue queue = new PublishQueue(PublishQueue.WINDOW + 10);
        for (int i = 0; i < PublishQueue.WINDOW + 2; i++) {
            queue.offer(frame("f" + i), 0);
        }
        java.util.List<Frame> handed = queue.take();
        assertThat(queue.failed(handed.get(0), 0)).extracting(Frame::id)
                .containsExactly("f0", "f" + PublishQueue.WINDOW, "f" + (PublishQueue.WINDOW + 1));
        assertThat(queue.offer(frame("later"), 1)).as("sent before the client heard of the refusal")
                .isEqualTo(PublishQueue.Offer.REFUSED);
        assertThat(queue.offer(frame("f0"), 2)).as("the resend of the first refused frame").isEqualTo(PublishQueue.Offer.QUEUED);
    }

    @Test
    void aFullQueueRefusesAndTheRefusalEndsWithTheResendOrAfterTheLimit() {
        PublishQueue queue = new PublishQueue(1);
        queue.offer(frame("a"), 0);
        assertThat(queue.offer(frame("b"), 0)).isEqualTo(PublishQueue.Offer.REFUSED);
        assertThat(queue.offer(frame("c"), 0)).isEqualTo(PublishQueue.Offer.REFUSED);
        queue.take();
        queue.published();
        assertThat(queue.offer(frame("c"), 1)).as("still waiting for b").isEqualTo(PublishQueue.Offer.REFUSED);
        assertThat(queue.offer(frame("c"), PublishQueue.REFUSAL_LIMIT_NANOS + 1)).isEqualTo(PublishQueue.Offer.QUEUED);
    }
}
