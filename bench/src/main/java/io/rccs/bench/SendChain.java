package io.rccs.bench;

import java.net.http.WebSocket;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serialises the text frames of one connection: the JDK WebSocket allows one outstanding
 * {@code sendText} at a time, while messages and acks are produced by several threads. Frames wait in
 * a queue; whoever finishes a send starts the next one.
 */
final class SendChain {

    /** Told once per frame whether it reached the socket (failure null) or not. */
    interface Outcome {
        void done(Throwable failure);
    }

    private record Pending(String text, Outcome outcome) {
    }

    private final WebSocket socket;
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();

    SendChain(WebSocket socket) {
        this.socket = socket;
    }

    void send(String text, Outcome outcome) {
        pending.add(new Pending(text, outcome));
        pump();
    }

    int queued() {
        return pending.size();
    }

    private void pump() {
        // a loop, not recursion: a send that completes at once must not grow the stack with the backlog
        while (sending.compareAndSet(false, true)) {
            Pending next = pending.poll();
            if (next == null) {
                sending.set(false);
                if (pending.isEmpty()) {
                    return;
                }
                continue; // something arrived between poll and set: take it
            }
            CompletableFuture<WebSocket> sent = start(next.text());
            if (sent.isDone()) {
                report(next, sent);
                sending.set(false);
                continue;
            }
            sent.whenComplete((ignored, failure) -> {
                report(next, sent);
                sending.set(false);
                pump();
            });
            return;
        }
    }

    private CompletableFuture<WebSocket> start(String text) {
        try {
            return socket.sendText(text, true);
        } catch (RuntimeException e) { // an output already closed throws instead of failing the future
            return CompletableFuture.failedFuture(e);
        }
    }

    private static void report(Pending frame, CompletableFuture<WebSocket> sent) {
        if (frame.outcome() == null) {
            return;
        }
        Throwable failure = null;
        if (sent.isCompletedExceptionally()) {
            failure = sent.handle((ok, error) -> error).join();
        }
        frame.outcome().done(failure);
    }
}
