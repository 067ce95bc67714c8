package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import io.rccs.model.protocol.Frame;

class MessageSequencerTest {

    private static Frame message(long seq) {
        return new Frame(Frame.VERSION, "m-" + seq, "message", null, "phone", null, seq, 0L, null);
    }

    private static List<Long> seqs(List<Frame> frames) {
        return frames.stream().map(Frame::seq).toList();
    }

    /** Feeds the seqs one by one and collects everything handed over, in order. */
    private static List<Long> feed(MessageSequencer sequencer, long... seqs) {
        List<Long> delivered = new ArrayList<>();
        for (long seq : seqs) {
            delivered.addAll(seqs(sequencer.accept(message(seq))));
        }
        return delivered;
    }

    @Test
    void inOrderFramesAreDeliverableAtOnce() {
        MessageSequencer sequencer = new MessageSequencer();
        assertThat(sequencer.lastSeq()).isNull();

        assertThat(feed(sequencer, 1, 2, 3)).containsExactly(1L, 2L, 3L);
        assertThat(sequencer.lastSeq()).isEqualTo(3);
        assertThat(sequencer.heldCount()).isZero();
    }

    @Test
    void theFirstSeqSeenIsTheStartingPointOfAFreshDevice() {
        MessageSequencer sequencer = new MessageSequencer();

        assertThat(feed(sequencer, 41, 42)).containsExactly(41L, 42L);
        assertThat(sequencer.lastSeq()).isEqualTo(42);
    }

    @Test
    void duplicatesAreDroppedAndMakeAnAckDue() {
        MessageSequencer sequencer = new MessageSequencer(null, 100, 100);
        feed(sequencer, 1, 2, 3);
        sequencer.acked(3);
        assertThat(sequencer.hasUnacked()).isFalse();

        assertThat(feed(sequencer, 2, 3, 1)).isEmpty();
        assertThat(sequencer.lastSeq()).isEqualTo(3);
        // the server resent what we acked: it did not get that ack, so another is due
        assertThat(sequencer.hasUnacked()).isTrue();
        assertThat(sequencer.ackUpTo()).hasValue(3);
    }

    @Test
    void aFrameAheadOfAGapIsHeldUntilTheGapFills() {
        MessageSequencer sequencer = new MessageSequencer();
        feed(sequencer, 1);

        assertThat(feed(sequencer, 4, 3)).isEmpty();
        assertThat(sequencer.heldCount()).isEqualTo(2);
        assertThat(sequencer.lastSeq()).isEqualTo(1);

        assertThat(seqs(sequencer.accept(message(2)))).containsExactly(2L, 3L, 4L);
        assertThat(sequencer.heldCount()).isZero();
        assertThat(sequencer.lastSeq()).isEqualTo(4);
    }

    @Test
    void resendsOfHeldFramesAndOfTheWholeRangeHandEachSeqOverOnce() {
        MessageSequencer sequencer = new MessageSequencer();

        List<Long> delivered = feed(sequencer, 1, 3, 5, 3, 5, 1, 2, 3, 4, 5, 6, 4, 6);

        assertThat(delivered).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void theReorderBufferIsBoundedByDroppingTheNewestHeldFrame() {
        MessageSequencer sequencer = new MessageSequencer(0L, 100, 3);

        assertThat(feed(sequencer, 5, 3, 4, 2)).isEmpty(); // 5 is the newest of four held: dropped
        assertThat(sequencer.heldCount()).isEqualTo(3);

        assertThat(feed(sequencer, 1)).containsExactly(1L, 2L, 3L, 4L);
        assertThat(sequencer.lastSeq()).isEqualTo(4);
        assertThat(feed(sequencer, 5)).containsExactly(5L); // the server sends it again later
    }

    @Test
    void aFrameArrivingPastAFullBufferIsTheOneDropped() {
        MessageSequencer sequencer = new MessageSequencer(0L, 100, 2);
        feed(sequencer, 2, 3);

        assertThat(feed(sequencer, 9)).isEmpty();

        assertThat(sequencer.heldCount()).isEqualTo(2);
        assertThat(feed(sequencer, 1)).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aSeededSequencerResumesAfterTheSeed() {
        MessageSequencer sequencer = new MessageSequencer(10L, 100, 100);
        assertThat(sequencer.lastSeq()).isEqualTo(10);
        assertThat(sequencer.hasUnacked()).isFalse();

        assertThat(feed(sequencer, 9, 10, 12)).isEmpty(); // old ones dropped, 12 waits for 11
        assertThat(feed(sequencer, 11)).containsExactly(11L, 12L);
    }

    @Test
    void messagesLostToRetentionAreSkipped() {
        MessageSequencer sequencer = new MessageSequencer(10L, 100, 100);
        feed(sequencer, 16, 17); // the oldest retained is 16: 11..15 are gone

        assertThat(seqs(sequencer.skipLost(5))).containsExactly(16L, 17L);
        assertThat(sequencer.lastSeq()).isEqualTo(17);
        assertThat(feed(sequencer, 18)).containsExactly(18L);
    }

    @Test
    void afterALossTheFirstFrameToArriveStartsTheSequenceWhenItLiesAhead() {
        MessageSequencer sequencer = new MessageSequencer(10L, 100, 100);
        assertThat(sequencer.skipLost(2)).isEmpty(); // the server counted too few: 11..14 are gone

        assertThat(feed(sequencer, 15, 16)).containsExactly(15L, 16L);
        // only the first frame after the loss may move the start; later gaps are waited for again
        assertThat(feed(sequencer, 18)).isEmpty();
        assertThat(feed(sequencer, 17)).containsExactly(17L, 18L);
    }

    @Test
    void afterAnExactLossCountTheNextFrameIsJustTheNextOne() {
        MessageSequencer sequencer = new MessageSequencer(10L, 100, 100);
        sequencer.skipLost(4);

        assertThat(feed(sequencer, 12, 15)).containsExactly(15L); // 12 was counted as lost
        assertThat(feed(sequencer, 17)).isEmpty();
        assertThat(feed(sequencer, 16)).containsExactly(16L, 17L);
    }

    @Test
    void skippingBeforeAnyStartingPointDoesNothing() {
        MessageSequencer sequencer = new MessageSequencer();

        assertThat(sequencer.skipLost(5)).isEmpty();
        assertThat(sequencer.lastSeq()).isNull();
    }

    @Test
    void anAckIsDueEveryNMessages() {
        MessageSequencer sequencer = new MessageSequencer(null, 3, 100);

        feed(sequencer, 1, 2);
        assertThat(sequencer.ackDue()).isFalse();
        assertThat(sequencer.hasUnacked()).isTrue();

        feed(sequencer, 3);
        assertThat(sequencer.ackDue()).isTrue();
        assertThat(sequencer.ackUpTo()).hasValue(3);

        sequencer.acked(3);
        assertThat(sequencer.ackDue()).isFalse();
        assertThat(sequencer.hasUnacked()).isFalse();
        assertThat(sequencer.ackUpTo()).isEmpty();
        assertThat(sequencer.lastAcked()).isEqualTo(3);
    }

    @Test
    void aGapFilledAtOnceCountsEveryFrameTowardsTheAckCadence() {
        MessageSequencer sequencer = new MessageSequencer(0L, 3, 100);

        feed(sequencer, 3, 2);
        assertThat(sequencer.ackDue()).isFalse(); // held frames are not handed over yet
        feed(sequencer, 1);

        assertThat(sequencer.ackDue()).isTrue();
        assertThat(sequencer.ackUpTo()).hasValue(3);
    }

    @Test
    void anOlderAckDoesNotResetWhatIsUnacked() {
        MessageSequencer sequencer = new MessageSequencer(null, 100, 100);
        feed(sequencer, 1, 2);
        long upTo = sequencer.ackUpTo().getAsLong();
        feed(sequencer, 3); // arrives while the ack for 2 is being sent

        sequencer.acked(upTo);

        assertThat(sequencer.hasUnacked()).isTrue();
        assertThat(sequencer.ackUpTo()).hasValue(3);
    }

    @Test
    void nothingToAckBeforeAnyMessage() {
        MessageSequencer sequencer = new MessageSequencer();

        assertThat(sequencer.hasUnacked()).isFalse();
        assertThat(sequencer.ackDue()).isFalse();
        assertThat(sequencer.ackUpTo()).isEmpty();
    }

    @Test
    void aFrameWithoutSeqIsDeliverableAsItIs() {
        MessageSequencer sequencer = new MessageSequencer();
        Frame unnumbered = message(1).withSeq(null);

        assertThat(sequencer.accept(unnumbered)).containsExactly(unnumbered);
        assertThat(sequencer.lastSeq()).isNull();
    }

    @Test
    void aLongShuffledStreamWithResendsComesOutInOrderOnce() {
        MessageSequencer sequencer = new MessageSequencer();
        List<Long> delivered = new ArrayList<>(feed(sequencer, 1));
        // blocks of ten arrive reversed, and every block is sent twice
        for (long block = 0; block < 50; block++) {
            long first = 2 + block * 10;
            long[] reversed = LongStream.range(first, first + 10).map(seq -> 2 * first + 9 - seq).toArray();
            delivered.addAll(feed(sequencer, reversed));
            delivered.addAll(feed(sequencer, reversed));
        }

        assertThat(delivered).isEqualTo(LongStream.rangeClosed(1, 501).boxed().toList());
        assertThat(sequencer.heldCount()).isZero();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new MessageSequencer(-1L, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MessageSequencer(null, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MessageSequencer(null, 1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
