package io.rccs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.PairResult;

class PendingAnswersTest {

    private final PendingAnswers answers = new PendingAnswers("laptop");

    private static Frame frame(FrameType type, String corr, ObjectNode payload) {
        return Frame.server("s-" + System.nanoTime(), type, corr, payload);
    }

    private static ObjectNode json() {
        return FrameCodec.mapper().createObjectNode();
    }

    private static ObjectNode result(String deviceId, boolean approved) {
        return json().put("deviceId", deviceId).put("approved", approved);
    }

    @Test
    void anAnswerNamingTheRequestCompletesIt() {
        CompletableFuture<String> code = answers.expect("r1", "pair.start", answer -> answer.payload().path("code").asText());
        answers.onFrame(frame(FrameType.PAIR_CODE, "other", json().put("code", "NOPE")));
        assertThat(code).isNotDone();
        answers.onFrame(frame(FrameType.PAIR_CODE, "r1", json().put("code", "ACDE")));
        assertThat(code).isCompletedWithValue("ACDE");
        assertThat(answers.size()).isZero();
    }

    @Test
    void anErrorNamingTheRequestFailsIt() {
        CompletableFuture<Frame> start = answers.expect("r1", "pair.start", answer -> answer);
        answers.onFrame(frame(FrameType.ERROR, "r1", json().put("code", "not_trusted").put("message", "pair first")));
        assertThatThrownBy(start::join).cause().isInstanceOfSatisfying(RccsErrorException.class, e -> {
            assertThat(e.code()).isEqualTo("not_trusted");
            assertThat(e.getMessage()).isEqualTo("pair.start was refused: not_trusted: pair first");
        });
    }

    @Test
    void anAnswerThatCannotBeReadFailsTheFuture() {
        CompletableFuture<Object> odd = answers.expect("r1", "x", answer -> {
            throw new IllegalArgumentException("unreadable");
        });
        answers.onFrame(frame(FrameType.PAIR_CODE, "r1", json()));
        assertThatThrownBy(odd::join).hasMessageContaining("unreadable");
    }

    @Test
    void aClaimIsSettledByAResultAboutThisDeviceOnly() {
        CompletableFuture<PairResult> claim = answers.expectClaim("c1");
        answers.onFrame(frame(FrameType.PAIR_RESULT, null, result("phone", true)));
        assertThat(claim).isNotDone();
        answers.onFrame(frame(FrameType.PAIR_RESULT, null, result("laptop", false)));
        assertThat(claim).isCompletedWithValue(new PairResult("laptop", false));
    }

    @Test
    void aClaimIsSettledByATrustedWelcomeAndFailedByItsError() {
        CompletableFuture<PairResult> approvedMeanwhile = answers.expectClaim("c1");
        answers.trustedOnWelcome();
        assertThat(approvedMeanwhile).isCompletedWithValue(new PairResult("laptop", true));

        CompletableFuture<PairResult> refused = answers.expectClaim("c2");
        answers.onFrame(frame(FrameType.ERROR, "c2", json().put("code", "conflict")));
        assertThatThrownBy(refused::join).cause().isInstanceOf(RccsErrorException.class);
    }

    @Test
    void losingTheConnectionFailsOnlyWhatWentOutOnIt() {
        CompletableFuture<Frame> inFlight = answers.expect("sent", "pair.start", answer -> answer);
        CompletableFuture<Frame> queued = answers.expect("queued", "pair.start", answer -> answer);
        CompletableFuture<Frame> requeued = answers.expect("requeued", "pair.start", answer -> answer);
        CompletableFuture<PairResult> claim = answers.expectClaim("claim");
        answers.sent("sent");
        answers.sent("requeued");
        answers.requeued("requeued");
        answers.sent("claim");
        answers.connectionLost();
        assertThat(inFlight).isCompletedExceptionally();
        assertThat(queued).isNotDone();
        assertThat(requeued).isNotDone();
        assertThat(claim).as("its result may come on the next connection").isNotDone();
    }

    @Test
    void closingFailsEverythingAndWhatComesLater() {
        CompletableFuture<Frame> open = answers.expect("r1", "x", answer -> answer);
        CompletableFuture<PairResult> claim = answers.expectClaim("c1");
        answers.close(new IllegalStateException("stopped"));
        assertThat(open).isCompletedExceptionally();
        assertThat(claim).isCompletedExceptionally();
        assertThat(answers.expect("r2", "x", answer -> answer)).isCompletedExceptionally();
        assertThat(answers.expectClaim("c2")).isCompletedExceptionally();
        answers.withdraw("r1");
        assertThat(answers.size()).isZero();
    }
}
