package io.rccs.e2e;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;

import io.rccs.model.events.Topics;

/**
 * The command queue's consumer groups as the broker sees them. A replica killed with SIGKILL stays a
 * member until its session times out; until then its partitions are read by nobody (the devices of
 * those partitions are unknown to the queue's directory). A test that starts or kills replicas waits
 * here until every group has exactly the live replicas, each partition assigned.
 */
final class QueueGroups {

    /** The queue's groups and the topic each reads (command-queue-service application.properties). */
    private static final Map<String, String> GROUPS = Map.of(
            "command-queue", Topics.COMMANDS_IN,
            "command-queue-devices", Topics.DEVICE_EVENTS,
            "command-queue-sessions", Topics.SESSION_EVENTS,
            "command-queue-submit", Topics.COMMANDS_SUBMIT);

    private QueueGroups() {
    }

    /** The broker: $RCCS_E2E_KAFKA (`./rccs test` sets it), else the local stack's default. */
    static String bootstrap() {
        String configured = System.getenv("RCCS_E2E_KAFKA");
        return configured == null || configured.isBlank() ? "127.0.0.1:9092" : configured.trim();
    }

    /**
     * Waits until each of the queue's groups is stable with exactly {@code replicas} members that
     * together hold every partition of its topic; fails with what the groups look like after {@code within}.
     */
    static void awaitSettled(int replicas, Duration within) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(config)) {
            Map<String, Integer> partitions = partitionCounts(admin);
            long deadline = System.nanoTime() + within.toNanos();
            String last = "";
            while (System.nanoTime() < deadline) {
                try {
                    Map<String, ConsumerGroupDescription> groups = admin.describeConsumerGroups(GROUPS.keySet()).all()
                            .get(10, TimeUnit.SECONDS);
                    last = describe(groups);
                    if (groups.values().stream()
                            .allMatch(group -> settled(group, replicas, partitions.get(GROUPS.get(group.groupId()))))) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException notYet) {
                    // a group without members and offsets does not exist for the broker (GroupIdNotFoundException):
                    // the restarted replica has not joined yet
                    last = "not described: " + notYet.getMessage();
                }
                Devices.sleep(250);
            }
            throw new AssertionError("the command queue's consumer groups did not settle on " + replicas + " replica(s) within "
                    + within + ": " + last);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the queue's consumer groups", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("could not describe the queue's consumer groups: " + e.getMessage(), e);
        }
    }

    private static Map<String, Integer> partitionCounts(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
        Collection<String> topics = GROUPS.values();
        return admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().partitions().size()));
    }

    private static boolean settled(ConsumerGroupDescription group, int replicas, int partitions) {
        Collection<MemberDescription> members = group.members();
        int assigned = members.stream().mapToInt(member -> member.assignment().topicPartitions().size()).sum();
        return group.groupState() == GroupState.STABLE && members.size() == replicas && assigned == partitions;
    }

    private static String describe(Map<String, ConsumerGroupDescription> groups) {
        return groups.values().stream()
                .map(group -> group.groupId() + " " + group.groupState() + " " + group.members().size() + " member(s) "
                        + group.members().stream().map(m -> m.assignment().topicPartitions().size()).toList()
                        + " partitions")
                .sorted().toList().toString();
    }
}
