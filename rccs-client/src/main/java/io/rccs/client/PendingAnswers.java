package io.rccs.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.model.protocol.payload.PairResult;

/**
 * The futures a {@link RccsDevice} handed out for answers it waits for: an answer names its request
 * by {@code corr}; an {@code error} naming it fails the future with a {@link RccsErrorException}.
 *
 * <p>A {@code pair.claim} is different: success has no direct answer, the claiming device learns
 * the outcome from a {@code pair.result} about itself (no {@code corr}), or from a later
 * {@code welcome} that says it is trusted (when the result came while it was offline).
 *
 * <p>An answer cannot come any more when the connection its request went out on is lost: those
 * futures fail (claims excepted, whose result may come on any connection). Pure logic; thread-safe
 * (requests are registered from any thread); futures are completed outside the lock.
 */
final class PendingAnswers {

    private static final class Waiter {
        final String what;
        final Function<Frame, ?> reading;
        final CompletableFuture<Object> future = new CompletableFuture<>();
        boolean inFlight;

        Waiter(String what, Function<Frame, ?> reading) {
            this.what = what;
            this.reading = reading;
        }
    }

    private static final class Claim {
        final CompletableFuture<PairResult> future = new CompletableFuture<>();
    }

    private final String deviceId;
    private final Map<String, Waiter> waiters = new HashMap<>();
    private final Map<String, Claim> claims = new HashMap<>();
    private RuntimeException closedBecause;

    PendingAnswers(String deviceId) {
        this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
    }

    /**
     * A future for the answer to the frame with id {@code requestId}, mapped by {@code reading}
     * (which may throw: the future then fails with that).
     *
     * @param what names the request in failures, such as "pair.start"
     */
    @SuppressWarnings("unchecked")
    <T> CompletableFuture<T> expect(String requestId, String what, Function<Frame, T> reading) {
        Waiter waiter = new Waiter(what, reading);
        synchronized (this) {
            if (closedBecause == null) {
                waiters.put(requestId, waiter);
                return (CompletableFuture<T>) waiter.future;
            }
        }
        waiter.future.completeExceptionally(closedBecause);
        return (CompletableFuture<T>) waiter.future;
    }

    /** A future for the outcome of the {@code pair.claim} with id {@code claimId}. */
    CompletableFuture<PairResult> expectClaim(String claimId) {
        Claim claim = new Claim();
        synchronized (this) {
            if (closedBecause == null) {
                claims.put(claimId, claim);
                return claim.future;
            }
        }
        claim.future.completeExceptionally(closedBecause);
        return claim.future;
    }

    /** The request could not even be queued: nobody waits for it. */
    synchronized void withdraw(String requestId) {
        waiters.remove(requestId);
        claims.remove(requestId);
    }

    /** The request went out on the current connection. */
    synchronized void sent(String requestId) {
        Waiter waiter = waiters.get(requestId);
        if (waiter != null) {
            waiter.inFlight = true;
        }
    }

    /** The request is queued again (refused as retryable): losing the connection does not lose it. */
    synchronized void requeued(String requestId) {
        Waiter waiter = waiters.get(requestId);
        if (waiter != null) {
            waiter.inFlight = false;
        }
    }

    /** Completes what {@code frame} answers; the frame goes on to the application either way. */
    void onFrame(Frame frame) {
        List<Runnable> completions = new ArrayList<>();
        synchronized (this) {
            if (frame.corr() != null) {
                Waiter waiter = waiters.remove(frame.corr());
                if (waiter != null) {
                    completions.add(() -> answer(waiter, frame));
                }
                Claim claim = frame.is(FrameType.ERROR) ? claims.remove(frame.corr()) : null;
                if (claim != null) {
                    completions.add(() -> claim.future.completeExceptionally(refusal("pair.claim", frame)));
                }
            }
            if (frame.is(FrameType.PAIR_RESULT) && frame.corr() == null) {
                PairResult result = readPairResult(frame);
                if (result != null && deviceId.equals(result.deviceId())) {
                    completions.addAll(settleClaims(result));
                }
            }
        }
        completions.forEach(Runnable::run);
    }

    /** A {@code welcome} saying the device is trusted settles its claims: the approval came while it was away. */
    void trustedOnWelcome() {
        List<Runnable> completions;
        synchronized (this) {
            completions = settleClaims(new PairResult(deviceId, true));
        }
        completions.forEach(Runnable::run);
    }

    /** The connection is gone, and with it every answer to what went out on it. */
    void connectionLost() {
        List<Waiter> lost = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Waiter> it = waiters.values().iterator(); it.hasNext();) {
                Waiter waiter = it.next();
                if (waiter.inFlight) {
                    lost.add(waiter);
                    it.remove();
                }
            }
        }
        for (Waiter waiter : lost) {
            waiter.future.completeExceptionally(new ConnectionLostException("the connection was lost before the answer to "
                    + waiter.what + " came; it may or may not have been done"));
        }
    }

    /** The device stopped: nothing waited for comes any more, nor can anything new be asked. */
    void close(RuntimeException why) {
        List<CompletableFuture<?>> open = new ArrayList<>();
        synchronized (this) {
            if (closedBecause != null) {
                return;
            }
            closedBecause = why;
            waiters.values().forEach(waiter -> open.add(waiter.future));
            claims.values().forEach(claim -> open.add(claim.future));
            waiters.clear();
            claims.clear();
        }
        open.forEach(future -> future.completeExceptionally(why));
    }

    synchronized int size() {
        return waiters.size() + claims.size();
    }

    private List<Runnable> settleClaims(PairResult result) {
        List<Runnable> completions = new ArrayList<>();
        for (Claim claim : claims.values()) {
            completions.add(() -> claim.future.complete(result));
        }
        claims.clear();
        return completions;
    }

    private static void answer(Waiter waiter, Frame frame) {
        if (frame.is(FrameType.ERROR)) {
            waiter.future.completeExceptionally(refusal(waiter.what, frame));
            return;
        }
        try {
            waiter.future.complete(waiter.reading.apply(frame));
        } catch (RuntimeException e) {
            waiter.future.completeExceptionally(e);
        }
    }

    static RccsErrorException refusal(String what, Frame errorFrame) {
        ErrorPayload error;
        try {
            error = RccsClient.payload(errorFrame, ErrorPayload.class);
        } catch (IllegalArgumentException e) {
            error = new ErrorPayload("unknown", String.valueOf(errorFrame.payload()), false, null);
        }
        return new RccsErrorException(what + " was refused", errorFrame, error);
    }

    private static PairResult readPairResult(Frame frame) {
        try {
            return RccsClient.payload(frame, PairResult.class);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
