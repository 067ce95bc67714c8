package io.rccs.deploy.checks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** deploy/topics.conf, the one list of Kafka topics the local stack and the manifests share. */
public final class TopicsConf {

    /** cleanup.policy when a line has no fourth column (Kafka's own default). */
    public static final String DEFAULT_CLEANUP_POLICY = "delete";

    /** One line: name, partitions, retention.ms and cleanup.policy. */
    public record Topic(String name, int partitions, long retentionMs, String cleanupPolicy) {
    }

    private TopicsConf() {
    }

    public static List<Topic> read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Topic> parse(String text) {
        List<Topic> topics = new ArrayList<>();
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\\s+");
            if (cols.length < 3 || cols.length > 4) {
                throw new IllegalArgumentException("topics.conf line " + lineNo + ": expected name partitions retention.ms [cleanup.policy]: " + raw);
            }
            topics.add(new Topic(cols[0], Integer.parseInt(cols[1]), Long.parseLong(cols[2]),
                    cols.length == 4 ? cols[3] : DEFAULT_CLEANUP_POLICY));
        }
        return topics;
    }

    public static int partitionsOf(List<Topic> topics, String name) {
        return topics.stream().filter(t -> t.name().equals(name)).mapToInt(Topic::partitions).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("topics.conf has no " + name));
    }
}
