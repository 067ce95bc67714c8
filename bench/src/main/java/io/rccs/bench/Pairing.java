package io.rccs.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.PairClaim;
import io.rccs.model.protocol.payload.PairDecision;
import io.rccs.model.protocol.payload.PairStart;

/**
 * Pairs a pending device with a trusted device of the same user through the protocol, as a person
 * would (SPEC 3.4): the trusted device asks for a code ({@code pair.start} -> {@code pair.code}), the
 * pending one claims it ({@code pair.claim}), the trusted one is asked ({@code pair.request}) and
 * approves ({@code pair.approve}), and the claimer is told {@code pair.result {approved: true}}.
 */
final class Pairing {

    private final Duration timeout;

    Pairing(Duration timeout) {
        this.timeout = timeout;
    }

    void pair(FrameSocket trusted, FrameSocket pending) {
        String what = "pairing " + pending.label() + " with " + trusted.label();
        JsonNode code = expect(trusted.ask(FrameType.PAIR_START, new PairStart()), FrameType.PAIR_CODE, what + ": pair.start");
        // wait for the request and the result before claiming, so neither can slip past
        CompletableFuture<JsonNode> request = trusted.next(frame -> is(frame, FrameType.PAIR_REQUEST)
                && pending.deviceId().equals(frame.path("payload").path("deviceId").asText()));
        CompletableFuture<JsonNode> result = pending.next(frame -> is(frame, FrameType.PAIR_RESULT)
                && pending.deviceId().equals(frame.path("payload").path("deviceId").asText()));
        // a claim is answered only when it fails; on success the trusted device gets the request
        CompletableFuture<JsonNode> claimRefused = pending.ask(FrameType.PAIR_CLAIM,
                new PairClaim(code.path("payload").path("code").asText()));
        try {
            await(CompletableFuture.anyOf(request, claimRefused), what + ": waiting for pair.request");
            if (!request.isDone()) {
                throw new BenchException(what + ": pair.claim refused: " + claimRefused.join().path("payload"));
            }
            String claimId = request.join().path("payload").path("claimId").asText();
            expect(trusted.ask(FrameType.PAIR_APPROVE, new PairDecision(claimId)), FrameType.PAIR_RESULT, what + ": pair.approve");
            JsonNode outcome = await(result, what + ": waiting for the claimer's pair.result");
            if (!outcome.path("payload").path("approved").asBoolean(false)) {
                throw new BenchException(what + ": approved, yet the claimer was told " + outcome.path("payload"));
            }
            pending.markTrusted();
        } finally {
            request.cancel(false);
            result.cancel(false);
            claimRefused.cancel(false);
        }
    }

    /** The answer to a request, which must be of the expected type (an {@code error} is not). */
    private JsonNode expect(CompletableFuture<JsonNode> answer, FrameType expected, String what) {
        JsonNode frame = await(answer, what);
        if (!is(frame, expected)) {
            throw new BenchException(what + " answered " + frame.path("type").asText() + " " + frame.path("payload"));
        }
        return frame;
    }

    private JsonNode await(CompletableFuture<?> future, String what) {
        try {
            Object value = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return (JsonNode) value;
        } catch (TimeoutException e) {
            throw new BenchException(what + ": no answer within " + timeout.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            throw new BenchException(what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException(what + ": interrupted", e);
        }
    }

    private static boolean is(JsonNode frame, FrameType type) {
        return type.wire().equals(frame.path("type").asText());
    }
}
