package io.rccs.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What one flush run sees: the phone's {@code command.status} frames for its commands (QUEUED answers
 * a submit by {@code corr}; later ones name only the {@code commandId}) and, once the desktop says
 * hello again, the {@code command} frames in the order they arrive. Written by both devices'
 * listener threads.
 */
final class FlushRun {

    /** The priorities, by rank: a higher rank is delivered first (SPEC 3.3). */
    static final List<String> PRIORITIES = List.of("low", "normal", "high", "critical");

    /** A command's first arrival at the desktop. */
    record Arrival(int k, int rank, long nanos) {
    }

    /** Whether arrivals were in delivery order: how many neighbours were not, and the first such pair in words. */
    record Order(int violations, String first) {
    }

    final int number;
    final int count;
    private final String runId;
    private final List<String> priorities;
    private final Set<Integer> queued = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> byCommandId = new ConcurrentHashMap<>();
    private final Set<String> dispatched = ConcurrentHashMap.newKeySet();
    private final Set<String> finished = ConcurrentHashMap.newKeySet();
    private final Map<Integer, String> refused = new ConcurrentHashMap<>();
    private final List<Arrival> arrivals = new ArrayList<>();
    private final Set<Integer> arrived = new HashSet<>();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder priorityMismatches = new LongAdder();
    private final LongAdder foreign = new LongAdder();
    private volatile int dispatchedBeforeHello = -1;

    /**
     * @param number the run's number (1, 2, ...), in its submits' ids
     * @param seed   picks the priorities' order, so a run can be repeated
     */
    FlushRun(String runId, int number, int count, long seed) {
        this.runId = runId;
        this.number = number;
        this.count = count;
        this.priorities = mix(count, seed);
    }

    /** {@code count} priorities, each of the four about a quarter of them, in a random order. */
    static List<String> mix(int count, long seed) {
        List<String> mix = new ArrayList<>(IntStream.range(0, count).mapToObj(k -> PRIORITIES.get(k % PRIORITIES.size())).toList());
        Collections.shuffle(mix, new Random(seed));
        return List.copyOf(mix);
    }

    static int rank(String priority) {
        return PRIORITIES.indexOf(priority);
    }

    String priority(int k) {
        return priorities.get(k);
    }

    /** The text of submit {@code k}. */
    String submit(int k) {
        return CommandFrames.flushSubmit(runId, number, k, priorities.get(k));
    }

    /** Whether a submit id is one of this run's. */
    boolean owns(SubmitId id) {
        return id != null && runId.equals(id.run()) && id.isFlush() && id.number() == number && id.k() >= 0 && id.k() < count;
    }

    /** A {@code command.status} on the phone. */
    void onStatus(JsonNode frame) {
        JsonNode payload = frame.path("payload");
        String commandId = payload.path("commandId").asText("");
        String status = payload.path("status").asText("");
        SubmitId id = SubmitId.parse(frame.path("corr").asText(null));
        if ("QUEUED".equals(status) && owns(id)) {
            queued.add(id.k());
            byCommandId.put(commandId, id.k());
        }
        if (!byCommandId.containsKey(commandId)) {
            return; // not this run's
        }
        switch (status) {
            case "DISPATCHED" -> dispatched.add(commandId);
            case "SUCCEEDED", "FAILED" -> finished.add(commandId);
            default -> {
                // QUEUED (again, after a put-back) and DELIVERED change nothing here
            }
        }
    }

    /** Command {@code k} of this run arrived at the desktop. */
    synchronized void onCommand(int k, String commandId, String priority, long receivedNanos) {
        if (k < 0 || k >= count) {
            foreign.increment();
            return;
        }
        byCommandId.putIfAbsent(commandId, k);
        if (!arrived.add(k)) {
            duplicates.increment();
            return;
        }
        if (!priorities.get(k).equals(priority)) {
            priorityMismatches.increment();
        }
        arrivals.add(new Arrival(k, rank(priorities.get(k)), receivedNanos));
    }

    /** A command that is not this run's arrived meanwhile (an earlier run's, sent again). */
    void onForeign() {
        foreign.increment();
    }

    /** The server answered submit {@code k} with an error. */
    void onRefused(int k, String code) {
        refused.putIfAbsent(k, code);
    }

    /** The desktop is about to say hello: what was dispatched before (to a device that was away) is noted. */
    void helloNext() {
        dispatchedBeforeHello = dispatched.size();
    }

    int queued() {
        return queued.size();
    }

    int refused() {
        return refused.size();
    }

    synchronized int received() {
        return arrivals.size();
    }

    int finished() {
        return finished.size();
    }

    /**
     * What the run measured.
     *
     * @param helloNanos   when the desktop's hello was sent
     * @param welcomeNanos when its welcome arrived
     */
    synchronized FlushResult result(long helloNanos, long welcomeNanos) {
        List<Arrival> got = List.copyOf(arrivals);
        Order order = order(got);
        Map<String, Integer> mix = new TreeMap<>();
        priorities.forEach(priority -> mix.merge(priority, 1, Integer::sum));
        Map<String, Long> errors = new TreeMap<>();
        refused.values().forEach(code -> errors.merge(code, 1L, Long::sum));
        double first = got.isEmpty() ? Double.NaN : millis(got.get(0).nanos() - helloNanos);
        double last = got.size() < count ? Double.NaN : millis(got.stream().mapToLong(Arrival::nanos).max().orElseThrow() - helloNanos);
        return new FlushResult(number, count, mix, queued(), errors, Math.max(0, dispatchedBeforeHello), got.size(),
                duplicates.intValue(), foreign.intValue(), priorityMismatches.intValue(), millis(welcomeNanos - helloNanos), first,
                last, order.violations(), order.first(), finished());
    }

    /**
     * Checks delivery order (SPEC 3.3): priority never rises from one command to the next, and within
     * a priority the submit order holds. Comparing neighbours is enough: that order is total.
     */
    static Order order(List<Arrival> arrivals) {
        int violations = 0;
        String first = null;
        for (int i = 1; i < arrivals.size(); i++) {
            Arrival before = arrivals.get(i - 1);
            Arrival after = arrivals.get(i);
            boolean inOrder = after.rank() < before.rank() || (after.rank() == before.rank() && after.k() > before.k());
            if (!inOrder) {
                violations++;
                if (first == null) {
                    first = "arrival " + (i + 1) + ": #" + after.k() + " (" + PRIORITIES.get(after.rank()) + ") after #"
                            + before.k() + " (" + PRIORITIES.get(before.rank()) + ")";
                }
            }
        }
        return new Order(violations, first);
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
