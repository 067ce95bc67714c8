package io.rccs.queue;

import static io.rccs.queue.CommandFixture.commandEvent;
import static io.rccs.queue.CommandFixture.eventsOf;
import static io.rccs.queue.CommandFixture.row;
import static io.rccs.queue.KafkaTestSupport.GATEWAY;
import static io.rccs.queue.KafkaTestSupport.frameFor;
import static io.rccs.queue.KafkaTestSupport.payload;
import static io.rccs.queue.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.CommandEvent;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.DeviceEvent;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandDelivery;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.queue.KafkaTestSupport.Timed;
import io.rccs.testsupport.KafkaTestKit.Keyed;
import io.rccs.testsupport.KafkaTestKit.Tail;
import io.rccs.testsupport.StoreTestSupport;

/**
 * SPEC 3.3 timing, run fast by the test profile (ack timeout 1.5 s, backoff base 300 ms, cap 2 s,
 * scheduler poll 100 ms): retries with backoff until DEAD, expiry, notBefore, priority order of a
 * flush, dispatch without {@code to}, what an offline event puts back, and what can be cancelled.
 */
@QuarkusTest
class CommandSchedulingTest {

    /** %test.rccs.queue.ack-timeout */
    private static final long ACK_TIMEOUT_MS = 1500;
    /** %test.rccs.queue.backoff-base: the ceiling after the first attempt; doubles per attempt */
    private static final long BACKOFF_BASE_MS = 300;
    /** %test.rccs.queue.scheduler-poll */
    private static final long POLL_MS = 100;
    /** What a transaction and a publish may add to a deadline, beyond the poll. */
    private static final long SLACK_MS = 250;
    /** How late a single deadline (expiry, notBefore) may be observed: a poll, a transaction and a publish, with room for a busy CI machine. */
    private static final long LATE_MS = POLL_MS + 2 * SLACK_MS + 150;

    private static final List<String> TASK = List.of("roo.task@1");

    @Inject
    RedisDataSource redis;

    @Test
    void anUnacknowledgedCommandIsRetriedWithGrowingBackoffUntilDead() {
        try (CommandFixture f = new CommandFixture(redis);
                Tail<Timed<Delivery>> frames = KafkaTestSupport.timedDeliveries(GATEWAY);
                Tail<Timed<Delivery>> statuses = KafkaTestSupport.timedInboxAppends();
                Tail<Keyed> deadLetters = KafkaTestSupport.events(Topics.COMMAND_DEAD_LETTERS)) {
            f.targetOnlineKnown();
            String id = f.submitQueued("submit-never-acked", f.target, new CommandSubmit("build", null, "high", null, null, 3, null));

            Timed<Delivery> dead = statuses.await("DEAD of " + id, timed(f.statusToSender(id, "DEAD")));
            List<Timed<Delivery>> sent = frames.awaitCount("the three attempts", timed(commandFrame(f.user, id)), 3);
            assertThat(sent).as("one command frame per attempt, all to D").hasSize(3)
                    .allSatisfy(t -> assertThat(t.value().deviceId()).isEqualTo(f.target));
            assertThat(sent).extracting(t -> payload(t.value().frame(), CommandDelivery.class).attempt()).containsExactly(1, 2, 3);
            assertThat(sent).extracting(t -> t.value().frame().id()).containsExactly(id + "-1", id + "-2", id + "-3");

            // the sender saw every transition once, in order, versions 1..7
            List<Timed<Delivery>> mine = statuses.all(timed(statusOf(f, id)));
            List<CommandStatus> bodies = mine.stream().map(t -> payload(t.value().frame(), CommandStatus.class)).toList();
            assertThat(bodies).extracting(CommandStatus::status)
                    .containsExactly("QUEUED", "DISPATCHED", "QUEUED", "DISPATCHED", "QUEUED", "DISPATCHED", "DEAD");
            assertThat(bodies).extracting(CommandStatus::version).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
            assertThat(bodies).extracting(CommandStatus::attempt).containsExactly(0, 1, 1, 2, 2, 3, 3);
            assertThat(bodies.get(6).error()).isEqualTo("no acknowledgement after 3 attempts");
            assertThat(mine).extracting(t -> t.value().frame().id())
                    .as("the inbox entries are keyed by version").containsExactly(
                            IntStream.rangeClosed(1, 7).mapToObj(v -> id + ".v" + v).toArray(String[]::new));

            // rccs.command.events says the same, in the same order
            List<Keyed> events = f.commandEvents.awaitCount("the 7 events of " + id, eventsOf(id), 7);
            assertThat(events).extracting(e -> commandEvent(e).status())
                    .containsExactly("QUEUED", "DISPATCHED", "QUEUED", "DISPATCHED", "QUEUED", "DISPATCHED", "DEAD");
            assertThat(events).extracting(e -> commandEvent(e).version()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);

            // and the command dead-letter topic has it once
            Keyed letter = deadLetters.await("the dead letter of " + id, e -> id.equals(e.key()));
            assertThat(letter.event().type()).isEqualTo(EventTypes.COMMAND_DEAD_LETTERED);
            CommandEvent body = letter.data(CommandEvent.class);
            assertThat(body.status()).isEqualTo("DEAD");
            assertThat(body.attempt()).isEqualTo(3);
            assertThat(body.version()).isEqualTo(7L);
            assertThat(body.error()).isEqualTo("no acknowledgement after 3 attempts");

            Map<String, Object> stored = row(id);
            assertThat(stored).containsEntry("status", "DEAD").containsEntry("attempt", 3).containsEntry("version", 7L)
                    .containsEntry("last_error", "no acknowledgement after 3 attempts");
            assertThat(stored.get("dead_at")).isNotNull();
            assertThat(stored.get("next_attempt_at")).as("a dead command is never looked at again").isNull();
            f.awaitOutboxDrained();
            assertThat(frames.all(timed(commandFrame(f.user, id)))).as("no fourth attempt").hasSize(3);
            assertThat(deadLetters.all(e -> id.equals(e.key()))).hasSize(1);

            // timing (last, so that a failure here leaves everything above checked): each attempt's ack
            // deadline is one ack timeout after it, and the retry follows after a full-jitter wait below the
            // backoff ceiling (300 ms after the first attempt, 600 ms after the second), each seen by the
            // next scheduler poll (100 ms)
            String timeline = "frames " + sent.stream().map(Timed::at).toList() + ", statuses "
                    + mine.stream().map(t -> payload(t.value().frame(), CommandStatus.class).status() + "@" + t.at()).toList();
            for (int attempt = 1; attempt <= 2; attempt++) {
                long ceiling = BACKOFF_BASE_MS << (attempt - 1);
                long timedOut = mine.get(2 * attempt).at(); // the QUEUED after this attempt's ack timeout
                long redispatched = mine.get(2 * attempt + 1).at();
                assertThat(redispatched - timedOut).as("backoff after attempt %d (ceiling %d ms): %s", attempt, ceiling, timeline)
                        .isBetween(0L, ceiling + POLL_MS + SLACK_MS);
                assertThat(timedOut - sent.get(attempt - 1).at()).as("ack timeout of attempt %d: %s", attempt, timeline)
                        .isBetween(ACK_TIMEOUT_MS - 100, ACK_TIMEOUT_MS + POLL_MS + SLACK_MS);
                assertThat(sent.get(attempt).at() - sent.get(attempt - 1).at()).as("gap after attempt %d: %s", attempt, timeline)
                        .isBetween(ACK_TIMEOUT_MS - 100, ACK_TIMEOUT_MS + ceiling + 2 * (POLL_MS + SLACK_MS));
            }
            assertThat(dead.at() - sent.get(2).at()).as("DEAD one ack timeout after the last attempt: %s", timeline)
                    .isBetween(ACK_TIMEOUT_MS - 100, ACK_TIMEOUT_MS + POLL_MS + SLACK_MS);
        }
    }

    @Test
    void aCommandForAnOfflineDeviceExpiresAfterItsTtl() {
        try (CommandFixture f = new CommandFixture(redis);
                Tail<Timed<Delivery>> statuses = KafkaTestSupport.timedInboxAppends();
                Tail<Keyed> deadLetters = KafkaTestSupport.events(Topics.COMMAND_DEAD_LETTERS)) {
            f.targetKnownOffline();
            String id = f.submitQueued("submit-short-lived", f.target, new CommandSubmit("lint", null, "normal", null, 2L, null, null));

            Timed<Delivery> queued = statuses.await("QUEUED", timed(f.statusToSender(id, "QUEUED")));
            Timed<Delivery> expired = statuses.await("EXPIRED", timed(f.statusToSender(id, "EXPIRED")));
            assertThat(expired.at() - queued.at()).as("expired when its 2 s ttl ran out").isBetween(1900L, 2000 + LATE_MS);
            CommandStatus status = payload(expired.value().frame(), CommandStatus.class);
            assertThat(status.version()).isEqualTo(2L);
            assertThat(status.attempt()).isZero();
            assertThat(status.error()).isEqualTo("not delivered within its ttl of 2 s");

            Keyed letter = deadLetters.await("the dead letter of " + id, e -> id.equals(e.key()));
            assertThat(letter.event().type()).isEqualTo(EventTypes.COMMAND_DEAD_LETTERED);
            assertThat(letter.data(CommandEvent.class).status()).isEqualTo("EXPIRED");
            assertThat(f.commandEvents.awaitCount("QUEUED, EXPIRED events", eventsOf(id), 2))
                    .extracting(e -> commandEvent(e).status()).containsExactly("QUEUED", "EXPIRED");
            Map<String, Object> stored = row(id);
            assertThat(stored).containsEntry("status", "EXPIRED");
            assertThat(stored.get("dead_at")).isNotNull();
            assertThat(stored.get("dispatched_at")).isNull();
            assertThat(f.deliveries.all(frameFor(f.user, f.target, FrameType.COMMAND))).as("never sent anywhere").isEmpty();
            f.awaitOutboxDrained();
        }
    }

    @Test
    void notBeforeDefersTheDispatchToAnOnlineDevice() {
        try (CommandFixture f = new CommandFixture(redis);
                Tail<Timed<Delivery>> frames = KafkaTestSupport.timedDeliveries(GATEWAY)) {
            f.targetKnownOffline();
            long notBefore = System.currentTimeMillis() + 2000;
            // one queued while D is away (D's online event comes before its notBefore), one submitted while D is online
            String queued = f.submitQueued("submit-later-queued", f.target,
                    new CommandSubmit("deploy", null, "normal", notBefore, null, null, null));
            f.targetOnlineKnown();
            String submitted = f.submitQueued("submit-later-online", f.target,
                    new CommandSubmit("restart", null, "normal", notBefore, null, null, null));
            assertThat(row(queued)).containsEntry("status", "QUEUED");
            assertThat(row(submitted)).containsEntry("status", "QUEUED");

            for (String id : List.of(queued, submitted)) {
                Timed<Delivery> sent = frames.await("the command once notBefore passed", timed(commandFrame(f.user, id)));
                assertThat(sent.at()).as("not before notBefore").isGreaterThanOrEqualTo(notBefore);
                assertThat(sent.at()).as("soon after it").isLessThan(notBefore + LATE_MS);
                assertThat(payload(sent.value().frame(), CommandDelivery.class).attempt()).isEqualTo(1);
                f.ack(id);
                f.statuses.await("DELIVERED", f.statusToSender(id, "DELIVERED"));
                assertThat(f.statusesOf(id)).extracting(CommandStatus::status).containsExactly("QUEUED", "DISPATCHED", "DELIVERED");
            }
            f.awaitOutboxDrained();
            assertThat(frames.all(timed(commandFrame(f.user, queued)))).as("exactly one command frame").hasSize(1);
            assertThat(frames.all(timed(commandFrame(f.user, submitted)))).as("exactly one command frame").hasSize(1);
        }
    }

    @Test
    void aReconnectedDeviceGetsWhatItHadNotAcknowledgedAgainWithoutCountingAnAttempt() {
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetOnlineKnown();
            String id = f.submitQueued("submit-then-reconnect", f.target, new CommandSubmit("build", null, "high", null, null, null, null));
            f.deliveries.await("the command on D", commandFrame(f.user, id));

            // a new connection replaces the old one: the relay says online again, with the new connection's id
            String newConn = unique("conn");
            StoreTestSupport.online(redis, f.user, f.target, newConn, GATEWAY);
            DeviceEvent reconnected = KafkaTestSupport.deviceEvent(f.user, f.target, "desktop", TASK, true, newConn);
            KafkaTestSupport.sendDeviceEvent(EventTypes.DEVICE_ONLINE, reconnected);
            List<Delivery> twice = f.deliveries.awaitCount("the command on D again", commandFrame(f.user, id), 2);
            assertThat(twice).extracting(d -> payload(d.frame(), CommandDelivery.class).attempt()).as("not counted").containsExactly(1, 1);
            Delivery redispatched = f.statuses.await("DISPATCHED again", f.statusToSender(id, "DISPATCHED")
                    .and(d -> payload(d.frame(), CommandStatus.class).version() == 3L));
            assertThat(payload(redispatched.frame(), CommandStatus.class).attempt()).isEqualTo(1);

            // the same event again (a redelivered record): the same connection has it, nothing is sent
            Object lastOnline = lastOnline(f, f.target);
            KafkaTestSupport.sendDeviceEvent(EventTypes.DEVICE_ONLINE, reconnected);
            org.awaitility.Awaitility.await("the replayed online event handled").atMost(KafkaTestSupport.TIMEOUT)
                    .pollInterval(java.time.Duration.ofMillis(20)).until(() -> !lastOnline.equals(lastOnline(f, f.target)));
            // a command submitted after it: whatever the replay published is on D's partition before this one's frame
            String marker = f.submitQueued("submit-marker", f.target, new CommandSubmit("marker", null, "low", null, null, null, null));
            f.deliveries.await("the marker on D", commandFrame(f.user, marker));
            f.ack(id);
            f.ack(marker);
            f.statuses.await("DELIVERED", f.statusToSender(id, "DELIVERED"));
            f.statuses.await("DELIVERED", f.statusToSender(marker, "DELIVERED"));
            assertThat(f.deliveries.all(commandFrame(f.user, id))).as("no third copy").hasSize(2);
            assertThat(f.statusesOf(id)).extracting(CommandStatus::status).containsExactly("QUEUED", "DISPATCHED", "DISPATCHED", "DELIVERED");
            f.awaitOutboxDrained();
        }
    }

    @Test
    void aDeviceTheDirectoryThinksOnlineButThatIsNotConnectedIsNotRetriedInALoop() {
        try (CommandFixture f = new CommandFixture(redis)) {
            // D's online event was handled, but D is not connected (its gateway died: no presence in Redis, and
            // no offline event yet)
            KafkaTestSupport.sendDeviceEvent(EventTypes.DEVICE_ONLINE, KafkaTestSupport.deviceEvent(f.user, f.target, true, f.targetConn));
            f.awaitOnline(f.target, true);
            String id = f.submitQueued("submit-to-ghost", f.target, new CommandSubmit("build", null, "high", null, null, 3, null));
            f.statuses.await("DISPATCHED (to the directory's online D)", f.statusToSender(id, "DISPATCHED"));

            // the ack deadline passes while D is not connected: the attempt is given back, and D is away
            Delivery back = f.statuses.await("QUEUED after the ack timeout", f.statusToSender(id, "QUEUED")
                    .and(d -> payload(d.frame(), CommandStatus.class).version() == 3L));
            assertThat(payload(back.frame(), CommandStatus.class).attempt()).as("not counted").isZero();
            // ... so it waits for D's next online event instead of going round DISPATCHED -> QUEUED every ack timeout
            f.statuses.assertNone("another DISPATCHED while D is not connected", f.statusToSender(id, "DISPATCHED")
                    .and(d -> payload(d.frame(), CommandStatus.class).version() > 2L), java.time.Duration.ofMillis(1500));

            f.targetOnline(); // D really connects
            Delivery sent = f.deliveries.await("the command on D", commandFrame(f.user, id));
            assertThat(payload(sent.frame(), CommandDelivery.class).attempt()).isEqualTo(1);
            f.ack(id);
            f.statuses.await("DELIVERED", f.statusToSender(id, "DELIVERED"));
            f.awaitOutboxDrained();
        }
    }

    @Test
    void aCommandWithoutToWaitsForACapableDevice() {
        try (CommandFixture f = new CommandFixture(redis)) {
            String capable = unique("capable");
            String capableConn = unique("conn");
            KafkaTestSupport.sendDeviceEvent(EventTypes.DEVICE_REGISTERED,
                    KafkaTestSupport.deviceEvent(f.user, capable, "desktop", TASK, true, capableConn));
            KafkaTestSupport.sendDeviceEvent(EventTypes.DEVICE_OFFLINE,
                    KafkaTestSupport.deviceEvent(f.user, capable, "desktop", TASK, false, null));
            f.awaitOnline(capable, false);
            String id = f.submitQueued("submit-for-capable", null, new CommandSubmit("index", null, "normal", null, null, null, TASK));

            // a device that cannot run it comes online: it gets nothing
            String plain = unique("plain");
            f.deviceOnline(plain, unique("conn"), "desktop", List.of("notify"));
            assertThat(row(id)).containsEntry("status", "QUEUED").containsEntry("version", 1L);

            f.deviceOnline(capable, capableConn, "desktop", TASK);
            Delivery sent = f.deliveries.await("the command on the capable device", commandFrame(f.user, id));
            assertThat(sent.deviceId()).isEqualTo(capable);
            f.ack(capable, capableConn, id);
            f.statuses.await("DELIVERED", f.statusToSender(id, "DELIVERED"));
            assertThat(f.deliveries.all(commandFrame(f.user, id))).hasSize(1);
            f.awaitOutboxDrained();
        }
    }

    @Test
    void aLongQueueIsFlushedInBatchesInDeliveryOrder() {
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetKnownOffline();
            // 1,000 queued commands (more than one flush batch), seeded straight into the table as the
            // submits of a day would have left them: parked until their expiry, FIFO by created_at
            int n = 1000;
            int seeded = StoreTestSupport.update("""
                    INSERT INTO queue.command (command_id, user_id, sender_device, submit_id, target_device, auto_target, name,
                           priority, status, attempt, max_attempts, expires_at, ttl_sec, next_attempt_at, version, created_at, updated_at)
                    SELECT gen_random_uuid(), ?, ?, 'seed-' || i, ?, false, 'job-' || i, (i * 7 % 4)::smallint, 'QUEUED', 0, 1,
                           now() + interval '1 day', 86400, now() + interval '1 day', 1,
                           now() - interval '1 hour' + i * interval '1 millisecond', now()
                      FROM generate_series(0, ? - 1) AS i""", f.user, f.sender, f.target, n);
            assertThat(seeded).isEqualTo(n);

            f.targetOnline();
            List<Delivery> got = f.deliveries.awaitCount(n + " commands on D", frameFor(f.user, f.target, FrameType.COMMAND), n);
            List<String> expected = IntStream.range(0, n).boxed()
                    .sorted(Comparator.comparingInt((Integer i) -> -(i * 7 % 4)).thenComparingInt(i -> i))
                    .map(i -> "job-" + i).toList();
            assertThat(got.subList(0, n)).extracting(d -> payload(d.frame(), CommandDelivery.class).name()).containsExactlyElementsOf(expected);
            f.commandEvents.awaitCount("a DISPATCHED event each", e -> f.user.equals(commandEvent(e).userId())
                    && "DISPATCHED".equals(commandEvent(e).status()), n);
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ? and status = 'QUEUED'", f.user))
                    .as("none left behind").isZero();
            // let them go: the device never acknowledges them (maxAttempts 1), and they are removed
            StoreTestSupport.update("DELETE FROM queue.command WHERE user_id = ?", f.user);
            f.awaitOutboxDrained();
        }
    }

    @Test
    void aDeviceComingOnlineGetsItsQueueCriticalFirstAndFifoWithinAPriority() {
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetKnownOffline();
            List<String> priorities = List.of("low", "normal", "high", "critical");
            java.util.Random random = new java.util.Random(42);
            List<String> submitted = new ArrayList<>();
            Map<String, String> priorityOf = new HashMap<>();
            for (int i = 0; i < 30; i++) {
                String submitId = "bulk-" + i;
                String priority = priorities.get(random.nextInt(priorities.size()));
                submitted.add(submitId);
                priorityOf.put(submitId, priority);
                f.submit(submitId, f.target, new CommandSubmit("job-" + i, null, priority, null, null, null, null));
            }
            Map<String, String> idOf = new HashMap<>();
            for (Delivery d : f.statuses.awaitCount("30 QUEUED", f.statusToSender(null, "QUEUED")
                    .and(d -> d.frame().corr() != null && d.frame().corr().startsWith("bulk-")), 30)) {
                idOf.put(d.frame().corr(), payload(d.frame(), CommandStatus.class).commandId());
            }
            assertThat(idOf).hasSize(30);
            assertThat(f.deliveries.all(frameFor(f.user, f.target, FrameType.COMMAND))).isEmpty();

            f.targetOnline();
            List<Delivery> got = f.deliveries.awaitCount("30 commands on D", frameFor(f.user, f.target, FrameType.COMMAND), 30);
            List<String> expected = submitted.stream()
                    .sorted(Comparator.comparingInt((String s) -> -priorities.indexOf(priorityOf.get(s))))
                    .map(idOf::get).toList(); // a stable sort: submit order within a priority
            assertThat(got).extracting(d -> payload(d.frame(), CommandDelivery.class).commandId()).containsExactlyElementsOf(expected);
            assertThat(got).extracting(d -> payload(d.frame(), CommandDelivery.class).priority())
                    .isSortedAccordingTo(Comparator.comparingInt((String p) -> -priorities.indexOf(p)));

            expected.forEach(f::ack);
            f.statuses.awaitCount("30 DELIVERED", f.statusToSender(null, "DELIVERED"), 30);
            f.awaitOutboxDrained();
        }
    }

    @Test
    void aCommandWithoutToGoesAtOnceToTheOnlineCapableDesktop() {
        try (CommandFixture f = new CommandFixture(redis)) {
            String desktop = unique("desktop");
            String desktopConn = unique("conn");
            String phone = unique("phone");
            String plainDesktop = unique("plain");
            f.deviceOnline(desktop, desktopConn, "desktop", TASK);
            f.deviceOnline(phone, unique("conn"), "mobile", TASK); // more recently active than the desktop
            f.deviceOnline(plainDesktop, unique("conn"), "desktop", List.of("notify")); // most recent, cannot run it

            String id = f.submitQueued("submit-anyone", null, new CommandSubmit("index", null, "normal", null, null, null, TASK));
            Delivery sent = f.deliveries.await("the command", commandFrame(f.user, id));
            assertThat(sent.deviceId()).isEqualTo(desktop);
            Delivery dispatched = f.statuses.await("DISPATCHED", f.statusToSender(id, "DISPATCHED"));
            assertThat(payload(dispatched.frame(), CommandStatus.class).target()).isEqualTo(desktop);
            Map<String, Object> stored = row(id);
            assertThat(stored).containsEntry("auto_target", true).containsEntry("target_device", desktop);
            assertThat(stored.get("dispatched_at")).as("dispatched in the submit's own transaction").isEqualTo(stored.get("created_at"));

            f.ack(desktop, desktopConn, id);
            f.statuses.await("DELIVERED", f.statusToSender(id, "DELIVERED"));
            f.awaitOutboxDrained();
            assertThat(f.deliveries.all(commandFrame(f.user, id))).as("sent once, to the desktop only").hasSize(1);
        }
    }

    @Test
    void anOfflineEventPutsBackWhatItsDeviceHadNotAcknowledged() {
        try (CommandFixture f = new CommandFixture(redis)) {
            // without "to": offered to the next capable online device
            String a = unique("desktop");
            String b = unique("phone");
            String bConn = unique("conn");
            f.deviceOnline(a, unique("conn"), "desktop", TASK);
            f.deviceOnline(b, bConn, "mobile", TASK);
            String auto = f.submitQueued("submit-auto", null, new CommandSubmit("index", null, "normal", null, null, null, TASK));
            Delivery onA = f.deliveries.await("the command on A", commandFrame(f.user, auto));
            assertThat(onA.deviceId()).isEqualTo(a);

            f.deviceOffline(a, "desktop", TASK);
            Delivery onB = f.deliveries.await("the command on B", commandFrame(f.user, auto).and(d -> b.equals(d.deviceId())));
            assertThat(payload(onB.frame(), CommandDelivery.class).attempt()).as("the attempt on A did not count").isEqualTo(1);
            f.ack(b, bConn, auto);
            f.statuses.await("DELIVERED", f.statusToSender(auto, "DELIVERED"));
            List<CommandStatus> autoStatuses = f.statusesOf(auto);
            assertThat(autoStatuses).extracting(CommandStatus::status)
                    .containsExactly("QUEUED", "DISPATCHED", "QUEUED", "DISPATCHED", "DELIVERED");
            assertThat(autoStatuses).extracting(CommandStatus::target).containsExactly(null, a, a, b, b);
            assertThat(autoStatuses).extracting(CommandStatus::attempt).containsExactly(0, 1, 0, 1, 1);
            assertThat(autoStatuses).extracting(CommandStatus::version).containsExactly(1L, 2L, 3L, 4L, 5L);

            // targeted: back to QUEUED with the attempt not counted, for the same device when it comes back
            f.targetOnlineKnown();
            String targeted = f.submitQueued("submit-targeted", f.target, new CommandSubmit("build", null, "high", null, null, null, null));
            Delivery first = f.deliveries.await("the command on D", commandFrame(f.user, targeted));
            assertThat(payload(first.frame(), CommandDelivery.class).attempt()).isEqualTo(1);
            f.deviceOffline(f.target, "desktop", TASK);
            Delivery back = f.statuses.await("QUEUED again", f.statusToSender(targeted, "QUEUED")
                    .and(d -> payload(d.frame(), CommandStatus.class).version() == 3L));
            assertThat(payload(back.frame(), CommandStatus.class).attempt()).isZero();
            assertThat(row(targeted)).containsEntry("status", "QUEUED").containsEntry("attempt", 0)
                    .containsEntry("target_device", f.target);

            f.targetOnline();
            List<Delivery> again = f.deliveries.awaitCount("the command on D again", commandFrame(f.user, targeted), 2);
            assertThat(again).hasSize(2).allSatisfy(d -> assertThat(d.deviceId()).isEqualTo(f.target));
            assertThat(payload(again.get(1).frame(), CommandDelivery.class).attempt()).isEqualTo(1);
            f.ack(targeted);
            f.statuses.await("DELIVERED", f.statusToSender(targeted, "DELIVERED"));
            assertThat(f.statusesOf(targeted)).extracting(CommandStatus::status)
                    .containsExactly("QUEUED", "DISPATCHED", "QUEUED", "DISPATCHED", "DELIVERED");
            f.awaitOutboxDrained();
        }
    }

    @Test
    void onlyACommandNeverSentCanBeCancelled() {
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetKnownOffline();
            String queued = f.submitQueued("submit-to-cancel", f.target, new CommandSubmit("lint", null, "low", null, null, null, null));
            f.cancel("cancel-queued", queued);
            Delivery cancelled = f.statuses.await("CANCELLED", f.statusToSender(queued, "CANCELLED"));
            assertThat(cancelled.frame().corr()).isEqualTo("cancel-queued");
            assertThat(payload(cancelled.frame(), CommandStatus.class).version()).isEqualTo(2L);
            assertThat(row(queued)).containsEntry("status", "CANCELLED").containsEntry("last_error", "cancelled");
            assertThat(row(queued).get("next_attempt_at")).isNull();

            // over REST (no device): the answer goes to the request's connection
            String overRest = f.submitQueued("submit-to-cancel-over-rest", f.target, new CommandSubmit("lint", null, "low", null, null, null, null));
            String restConn = "rest-" + unique("req");
            KafkaTestSupport.sendRestFrame(f.user, restConn, List.of("rccs-user"), KafkaTestSupport.clientFrame("rest-cancel",
                    FrameType.COMMAND_CANCEL, null, new io.rccs.model.protocol.payload.CommandCancel(overRest)));
            Delivery restAnswer = f.deliveries.await("the REST answer", KafkaTestSupport.answerTo(restConn, "rest-cancel"));
            assertThat(restAnswer.frame().is(FrameType.COMMAND_STATUS)).isTrue();
            assertThat(payload(restAnswer.frame(), CommandStatus.class).status()).isEqualTo("CANCELLED");
            f.statuses.await("CANCELLED for the sender too", f.statusToSender(overRest, "CANCELLED"));

            f.targetOnlineKnown();
            String running = f.submitQueued("submit-running", f.target, new CommandSubmit("build", null, "high", null, null, null, null));
            f.deliveries.await("the command on D", commandFrame(f.user, running));
            f.cancel("cancel-dispatched", running);
            Delivery refused = f.deliveries.await("conflict", frameFor(f.user, f.sender, FrameType.ERROR)
                    .and(d -> "cancel-dispatched".equals(d.frame().corr())));
            assertThat(refused.connectionId()).isEqualTo(f.senderConn);
            assertThat(payload(refused.frame(), ErrorPayload.class).code()).isEqualTo(ErrorCode.CONFLICT.wire());
            KafkaTestSupport.sendRestFrame(f.user, restConn, List.of("rccs-user"), KafkaTestSupport.clientFrame("rest-cancel-running",
                    FrameType.COMMAND_CANCEL, null, new io.rccs.model.protocol.payload.CommandCancel(running)));
            Delivery restRefused = f.deliveries.await("the REST conflict", KafkaTestSupport.answerTo(restConn, "rest-cancel-running"));
            assertThat(payload(restRefused.frame(), ErrorPayload.class).code()).isEqualTo(ErrorCode.CONFLICT.wire());

            f.ack(running);
            f.statuses.await("DELIVERED", f.statusToSender(running, "DELIVERED"));
            f.result(f.target, f.targetConn, running, true);
            f.statuses.await("SUCCEEDED", f.statusToSender(running, "SUCCEEDED"));
            assertThat(f.commandEvents.awaitCount("the events of " + running, eventsOf(running), 4))
                    .extracting(e -> commandEvent(e).status()).containsExactly("QUEUED", "DISPATCHED", "DELIVERED", "SUCCEEDED");
            f.awaitOutboxDrained();
            assertThat(f.deliveries.all(commandFrame(f.user, queued))).as("the cancelled command never went out").isEmpty();
        }
    }

    private static Object lastOnline(CommandFixture f, String deviceId) {
        return StoreTestSupport.rows("select last_online from queue.known_device where device_key = ?",
                Topics.deviceKey(f.user, deviceId)).get(0).get("last_online");
    }

    /** A command frame for any of the user's devices about this command. */
    static Predicate<Delivery> commandFrame(String user, String commandId) {
        return d -> user.equals(d.userId()) && d.frame() != null && d.frame().is(FrameType.COMMAND)
                && commandId.equals(payload(d.frame(), CommandDelivery.class).commandId());
    }

    private static Predicate<Delivery> statusOf(CommandFixture f, String commandId) {
        return frameFor(f.user, f.sender, FrameType.COMMAND_STATUS)
                .and(d -> commandId.equals(payload(d.frame(), CommandStatus.class).commandId()));
    }

    static <T> Predicate<Timed<T>> timed(Predicate<T> predicate) {
        return t -> predicate.test(t.value());
    }
}
