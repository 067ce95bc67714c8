package io.rccs.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;

/**
 * The frames a connection received, in arrival order: the ones no wait has taken yet ("pending")
 * and, optionally, every one ever received ("history"). Thread-safe: the WebSocket listener adds,
 * any number of threads wait.
 */
final class FrameInbox {

    /** How many received frames a timeout message lists at most (the latest ones). */
    private static final int FRAMES_IN_MESSAGE = 40;

    private final Object lock = new Object();
    private final List<Frame> pending = new ArrayList<>();
    private final List<Frame> history = new ArrayList<>();
    private final List<String> undecodable = new ArrayList<>();
    private final boolean keepHistory;
    private String closedBecause;

    FrameInbox(boolean keepHistory) {
        this.keepHistory = keepHistory;
    }

    void add(Frame frame) {
        synchronized (lock) {
            pending.add(frame);
            if (keepHistory) {
                history.add(frame);
            }
            lock.notifyAll();
        }
    }

    void addUndecodable(String text) {
        synchronized (lock) {
            undecodable.add(text);
        }
    }

    /** No more frames will arrive; waits fail at once instead of running out their time. */
    void markClosed(String description) {
        synchronized (lock) {
            if (closedBecause == null) {
                closedBecause = description;
            }
            lock.notifyAll();
        }
    }

    /** Takes the first pending frame that matches, waiting up to {@code timeout} for one to arrive. */
    Frame await(Predicate<Frame> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                Frame found = takeFirst(match);
                if (found != null) {
                    return found;
                }
                if (closedBecause != null) {
                    throw new FrameTimeoutError(describeFailure("the connection is closed (" + closedBecause
                            + ") and no received frame matched " + match));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new FrameTimeoutError(describeFailure("no frame matching " + match + " arrived within " + timeout));
                }
                waitNanos(left);
            }
        }
    }

    /** Takes the next pending frame, if one arrives within {@code timeout}. */
    Optional<Frame> poll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (pending.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closedBecause != null) {
                    return Optional.empty();
                }
                waitNanos(left);
            }
            return Optional.of(pending.remove(0));
        }
    }

    /**
     * Waits {@code duration} and answers whether no pending frame matched in that time. Takes
     * nothing; returns false as soon as a match is there.
     */
    boolean nothingMatching(Predicate<Frame> match, Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        synchronized (lock) {
            while (true) {
                for (Frame frame : pending) {
                    if (match.test(frame)) {
                        return false;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closedBecause != null) {
                    return true;
                }
                waitNanos(left);
            }
        }
    }

    /** Takes every pending frame that matches, without waiting. */
    List<Frame> drain(Predicate<Frame> match) {
        synchronized (lock) {
            List<Frame> taken = new ArrayList<>();
            for (Iterator<Frame> it = pending.iterator(); it.hasNext();) {
                Frame frame = it.next();
                if (match.test(frame)) {
                    it.remove();
                    taken.add(frame);
                }
            }
            return taken;
        }
    }

    List<Frame> history() {
        synchronized (lock) {
            return List.copyOf(history);
        }
    }

    List<Frame> pending() {
        synchronized (lock) {
            return List.copyOf(pending);
        }
    }

    List<String> undecodable() {
        synchronized (lock) {
            return List.copyOf(undecodable);
        }
    }

    boolean isEmpty() {
        synchronized (lock) {
            return pending.isEmpty();
        }
    }

    private Frame takeFirst(Predicate<Frame> match) {
        for (Iterator<Frame> it = pending.iterator(); it.hasNext();) {
            Frame frame = it.next();
            if (match.test(frame)) {
                it.remove();
                return frame;
            }
        }
        return null;
    }

    private void waitNanos(long nanos) {
        try {
            long millis = Math.max(1, nanos / 1_000_000);
            lock.wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FrameTimeoutError("interrupted while waiting for a frame");
        }
    }

    /** Must hold the lock. */
    private String describeFailure(String headline) {
        StringBuilder text = new StringBuilder(headline);
        List<Frame> seen = keepHistory ? history : pending;
        Set<Frame> stillPending = Collections.newSetFromMap(new IdentityHashMap<>());
        stillPending.addAll(pending);
        text.append("\nframes received so far: ").append(seen.size());
        if (keepHistory) {
            text.append(" (* = not taken by an earlier wait)");
        }
        int from = Math.max(0, seen.size() - FRAMES_IN_MESSAGE);
        if (from > 0) {
            text.append("\n  ... ").append(from).append(" earlier frames left out");
        }
        for (Frame frame : seen.subList(from, seen.size())) {
            text.append("\n  ").append(keepHistory && stillPending.contains(frame) ? "* " : "  ")
                    .append(FrameCodec.encode(frame));
        }
        for (String raw : undecodable) {
            text.append("\n  (not a frame) ").append(raw);
        }
        return text.toString();
    }
}
