package io.rccs.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** The figures of one {@code connections} run. */
record ConnectionsResult(
        int requested,
        int established,
        int trusted,
        long retries,
        Map<String, Long> failures,
        double secondsToLast,
        Percentiles latency,
        List<Integer> establishedBySecond,
        Map<String, Double> connectCpuSeconds,
        Hold hold,
        Map<String, Double> holdCpuSeconds,
        Memory before,
        Memory after,
        int openAtMeasure,
        long framesAfterWelcome) {

    /** The gateway's memory at one moment: heap after a full GC, RSS, open files, live objects. */
    record Memory(long heapKib, long rssKib, int openFiles, ClassHistogram histogram) {
    }

    /** What the hold saw: sockets held, still open at its end, and why the others closed. */
    record Hold(int seconds, int held, int stillOpen, Map<String, Long> closeReasons) {

        int closed() {
            return held - stillOpen;
        }
    }

    static ConnectionsResult of(AtomicReferenceArray<ConnectionsBenchmark.Outcome> outcomes, long startedNanos, long finishedNanos,
            Map<String, Double> connectCpu, Hold hold, Map<String, Double> holdCpu, Memory before, Memory after, int openAtMeasure,
            long framesAfterWelcome) {
        int established = 0;
        int trusted = 0;
        long retries = 0;
        long lastWelcome = startedNanos;
        Map<String, Long> failures = new TreeMap<>();
        List<Integer> perSecond = new ArrayList<>();
        for (int i = 0; i < outcomes.length(); i++) {
            ConnectionsBenchmark.Outcome outcome = outcomes.get(i);
            if (outcome == null) {
                failures.merge("not attempted", 1L, Long::sum);
                continue;
            }
            retries += outcome.retries();
            if (outcome.socket() == null) {
                failures.merge(outcome.failure(), 1L, Long::sum);
                continue;
            }
            established++;
            trusted += outcome.socket().trusted() ? 1 : 0;
            lastWelcome = Math.max(lastWelcome, outcome.welcomeNanos());
            int second = (int) Math.max(0, (outcome.welcomeNanos() - startedNanos) / 1_000_000_000L);
            while (perSecond.size() <= second) {
                perSecond.add(0);
            }
            perSecond.set(second, perSecond.get(second) + 1);
        }
        double seconds = ((established == outcomes.length() ? lastWelcome : finishedNanos) - startedNanos) / 1e9;
        List<Integer> cumulative = new ArrayList<>();
        int sum = 0;
        for (int count : perSecond) {
            sum += count;
            cumulative.add(sum);
        }
        return new ConnectionsResult(outcomes.length(), established, trusted, retries, failures, seconds,
                Percentiles.of(ConnectionsBenchmark.latencies(outcomes)), List.copyOf(cumulative), connectCpu, hold, holdCpu,
                before, after, openAtMeasure, framesAfterWelcome);
    }

    /** Connections established (welcome received) per second, over the whole connect phase. */
    double ratePerSecond() {
        return secondsToLast > 0 ? established / secondsToLast : Double.NaN;
    }

    boolean hasMemory() {
        return before != null && after != null && openAtMeasure > 0;
    }

    /** Heap growth per open connection, KiB, after a full GC on both sides. */
    double heapKibPerConnection() {
        return hasMemory() ? (after.heapKib() - before.heapKib()) / (double) openAtMeasure : Double.NaN;
    }

    double rssKibPerConnection() {
        return hasMemory() ? (after.rssKib() - before.rssKib()) / (double) openAtMeasure : Double.NaN;
    }

    /** The classes that grew most from before to after, by bytes. */
    List<ClassHistogram.Growth> growth(int limit) {
        return hasMemory() ? after.histogram().growthSince(before.histogram(), limit) : List.of();
    }
}
