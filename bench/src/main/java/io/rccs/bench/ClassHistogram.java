package io.rccs.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The live objects of a JVM by class, as {@code jcmd <pid> GC.class_histogram} prints them, and what changed between two. */
record ClassHistogram(List<Entry> entries, String text) {

    /** One class: its live instances and their bytes. */
    record Entry(String className, long instances, long bytes) {
    }

    /** How one class grew between two histograms. */
    record Growth(String className, long instances, long bytes) {
    }

    //   1:         52036       12345678  [B (java.base@17.0.15)
    private static final Pattern LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    static ClassHistogram parse(String text) {
        List<Entry> entries = new ArrayList<>();
        for (String line : text.lines().toList()) {
            Matcher matcher = LINE.matcher(line);
            if (matcher.find()) {
                entries.add(new Entry(matcher.group(3), Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2))));
            }
        }
        if (entries.isEmpty()) {
            throw new BenchException("jcmd GC.class_histogram printed no classes: " + text.lines().limit(5).toList());
        }
        return new ClassHistogram(List.copyOf(entries), text);
    }

    long totalBytes() {
        return entries.stream().mapToLong(Entry::bytes).sum();
    }

    /** The {@code limit} classes that grew most since {@code before}, by bytes. */
    List<Growth> growthSince(ClassHistogram before, int limit) {
        Map<String, Entry> earlier = new HashMap<>();
        before.entries.forEach(entry -> earlier.merge(entry.className(), entry,
                (a, b) -> new Entry(a.className(), a.instances() + b.instances(), a.bytes() + b.bytes())));
        Map<String, Growth> grown = new LinkedHashMap<>();
        for (Entry entry : entries) {
            Entry old = earlier.getOrDefault(entry.className(), new Entry(entry.className(), 0, 0));
            grown.merge(entry.className(), new Growth(entry.className(), entry.instances() - old.instances(), entry.bytes() - old.bytes()),
                    (a, b) -> new Growth(a.className(), a.instances() + b.instances(), a.bytes() + b.bytes()));
        }
        return grown.values().stream().sorted(Comparator.comparingLong(Growth::bytes).reversed()).limit(limit).toList();
    }

    /** The first {@code limit} lines of the histogram as jcmd printed it (header included). */
    String head(int limit) {
        List<String> lines = text.lines().toList();
        List<String> kept = new ArrayList<>();
        int classes = 0;
        for (String line : lines) {
            boolean isClass = LINE.matcher(line).find();
            if (isClass && ++classes > limit) {
                break;
            }
            if (isClass || classes == 0) {
                kept.add(line);
            }
        }
        return String.join("\n", kept);
    }

    /** The growth as a text table: instances and bytes in all, and per connection. */
    static String growthTable(List<Growth> growth, int connections) {
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%4s %12s %14s %10s %10s  %s%n", "#", "+instances",
                "+bytes", "inst/conn", "B/conn", "class"));
        int rank = 0;
        for (Growth g : growth) {
            table.append(String.format(Locale.ROOT, "%4d %12d %14d %10.2f %10.1f  %s%n", ++rank, g.instances(), g.bytes(),
                    g.instances() / (double) connections, g.bytes() / (double) connections, g.className()));
        }
        return table.toString();
    }
}
