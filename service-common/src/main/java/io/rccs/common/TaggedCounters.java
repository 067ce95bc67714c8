package io.rccs.common;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * One counter per value of one tag, registered once and then found in a map: a per-frame metric
 * must not cost a registry lookup and a tag allocation. Only for tags with a small, fixed set of
 * values (frame types the codec accepted, error codes, outcomes).
 */
public final class TaggedCounters {

    private final MeterRegistry registry;
    private final String name;
    private final String tag;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public TaggedCounters(MeterRegistry registry, String name, String tag) {
        this.registry = registry;
        this.name = name;
        this.tag = tag;
    }

    /**
     * Registers the counters of these values now, at 0: a series that first appears with 1 shows no
     * increase to Prometheus, so an alert on it would miss the first occurrence.
     */
    public TaggedCounters atZero(Iterable<String> values) {
        for (String value : values) {
            counters.computeIfAbsent(value, v -> Counter.builder(name).tag(tag, v).register(registry));
        }
        return this;
    }

    public void increment(String value) {
        Counter counter = counters.get(value);
        if (counter == null) {
            counter = counters.computeIfAbsent(value, v -> Counter.builder(name).tag(tag, v).register(registry));
        }
        counter.increment();
    }
}
