package io.rccs.relay;

import static io.rccs.relay.KafkaTestSupport.GATEWAY;
import static io.rccs.relay.KafkaTestSupport.QUIET;
import static io.rccs.relay.KafkaTestSupport.clientFrame;
import static io.rccs.relay.KafkaTestSupport.frameFor;
import static io.rccs.relay.KafkaTestSupport.payload;
import static io.rccs.relay.KafkaTestSupport.sendFrame;
import static io.rccs.relay.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.Ack;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.model.protocol.payload.Welcome;
import io.rccs.relay.RelayConfig;
import io.rccs.testsupport.KafkaTestKit.Tail;
import io.rccs.testsupport.StoreTestSupport;

/**
 * The per-device inbox (SPEC 3.2) against the real database and broker: seq order, idempotent
 * resends, ack, resume, retention with {@code missed}, and redelivery while connected. The test
 * profile keeps 20 entries per device and redelivers after 3 s (application.properties).
 */
@QuarkusTest
class InboxTest {

    @Inject
    RedisDataSource redis;

    @Inject
    RelayConfig config;

    private final String user = unique("user");
    private final String sender = unique("phone");
    private final String senderConn = unique("conn");
    private final String target = unique("desk");
    private final List<String> online = new ArrayList<>();

    @BeforeEach
    void registerBothOffline() {
        KafkaTestSupport.awaitRelayReady();
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            hello(deliveries, target, unique("conn"), null);
            StoreTestSupport.offline(redis, user, target);
            online.remove(target);
            hello(deliveries, sender, senderConn, null);
        }
    }

    @AfterEach
    void disconnect() {
        online.forEach(device -> StoreTestSupport.offline(redis, user, device));
    }

    @Test
    void messagesToAnOfflineDeviceArriveOnConnectInSeqOrderAndAResendIsStoredOnce() {
        List<String> ids = send(12);
        sendFrame(user, sender, senderConn, message(ids.get(3), "resent")); // a resend of the 4th: no new entry

        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            Welcome welcome = hello(deliveries, target, unique("conn"), null);
            assertThat(welcome.resumed()).as("no resume asked").isFalse();
            assertThat(welcome.missed()).isZero();
            List<Frame> got = messages(deliveries, 12);
            assertThat(got).extracting(Frame::id).containsExactlyElementsOf(ids);
            assertThat(got).extracting(Frame::seq).isSorted().doesNotHaveDuplicates();
            assertThat(got.get(11).seq() - got.get(0).seq()).as("no gaps").isEqualTo(11);
            assertThat(got.get(3).payload().get("n").asInt()).as("the first copy is kept").isEqualTo(3);
            deliveries.assertNone("a second copy of the resent message", frameFor(user, target, FrameType.MESSAGE)
                    .and(d -> d.frame().payload().has("resent")), QUIET);
            assertThat(StoreTestSupport.count("SELECT count(*) FROM relay.inbox_entry WHERE user_id = ? AND device_id = ?",
                    user, target)).isEqualTo(12);
        }
    }

    @Test
    void aResumeReplaysWhatCameAfterLastSeqAndAnAckedDeviceGetsNothingAgain() {
        send(5);
        List<Frame> first;
        String connection = unique("conn");
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            hello(deliveries, target, connection, null);
            first = messages(deliveries, 5);
        }
        long lastSeq = first.get(4).seq();
        // the device saw the first three only, then the connection broke
        StoreTestSupport.offline(redis, user, target);
        List<String> later = send(2);
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            Welcome welcome = hello(deliveries, target, unique("conn"), first.get(2).seq());
            assertThat(welcome.resumed()).isTrue();
            assertThat(welcome.missed()).isZero();
            List<Frame> replayed = messages(deliveries, 4);
            assertThat(replayed).extracting(Frame::seq)
                    .containsExactly(lastSeq - 1, lastSeq, lastSeq + 1, lastSeq + 2);
            assertThat(replayed.subList(2, 4)).extracting(Frame::id).containsExactlyElementsOf(later);

            // everything acknowledged: a plain reconnect replays nothing
            sendFrame(user, target, connection, clientFrame(unique("ack"), FrameType.ACK, null, new Ack(lastSeq + 2)));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> StoreTestSupport.count(
                    "SELECT acked_seq FROM relay.inbox_cursor WHERE user_id = ? AND device_id = ?", user, target) == lastSeq + 2);
            String plain = unique("conn");
            hello(deliveries, target, plain, null);
            deliveries.assertNone("a message after everything was acknowledged",
                    frameFor(user, target, FrameType.MESSAGE).and(d -> plain.equals(d.connectionId())), QUIET);
        }
    }

    @Test
    void aLastSeqOlderThanTheRetentionIsNotResumedAndSaysHowManyWereMissed() {
        int max = config.inbox().maxEntries();
        send(max + 7);
        Awaitility.await("retention trims the inbox to " + max).atMost(Duration.ofSeconds(30)).until(() -> StoreTestSupport.count(
                "SELECT count(*) FROM relay.inbox_entry WHERE user_id = ? AND device_id = ?", user, target) == max);
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            Welcome welcome = hello(deliveries, target, unique("conn"), 0L);
            assertThat(welcome.resumed()).isFalse();
            assertThat(welcome.missed()).isEqualTo(7);
            List<Frame> replayed = messages(deliveries, max);
            assertThat(replayed.get(0).payload().get("n").asInt()).as("the oldest retained").isEqualTo(7);
            assertThat(replayed.get(max - 1).payload().get("n").asInt()).isEqualTo(max + 6);
        }
    }

    /**
     * The retention passes over a cursor that another transaction holds locked (as an append does)
     * and trims the other devices meanwhile; it trims that one once it is free. Waiting for the lock
     * while holding others deadlocked with appends (seen under load: a one-second stall every trim).
     */
    @Test
    void retentionPassesOverACursorHeldLockedAndTrimsTheRest() throws Exception {
        int max = config.inbox().maxEntries();
        String held;
        String free = unique("free");
        try {
            try (Connection lock = StoreTestSupport.connection()) {
                lock.setAutoCommit(false);
                held = lockUntrimmed(lock, max + 5);
                fakeInbox(free, max + 5);
                Awaitility.await("the free device is trimmed while the other is held").atMost(Duration.ofSeconds(15))
                        .until(() -> entries(free) == max);
                assertThat(entries(held)).as("entries of the held device").isEqualTo(max + 5);
                lock.commit();
            }
            Awaitility.await("the held device is trimmed once free").atMost(Duration.ofSeconds(15)).until(() -> entries(held) == max);
        } finally {
            // rows written straight to the tables (of this test's own user): nothing else would remove the cursors
            StoreTestSupport.update("DELETE FROM relay.inbox_entry WHERE user_id = ?", user);
            StoreTestSupport.update("DELETE FROM relay.inbox_cursor WHERE user_id = ?", user);
        }
    }

    /** A device with {@code count} entries, written straight to the tables, whose cursor {@code lock} holds. */
    private String lockUntrimmed(Connection lock, int count) throws SQLException {
        for (int attempt = 0; attempt < 20; attempt++) {
            String device = unique("held");
            fakeInbox(device, count);
            try (PreparedStatement select = lock.prepareStatement(
                    "SELECT trimmed_seq FROM relay.inbox_cursor WHERE user_id = ? AND device_id = ? FOR UPDATE")) {
                select.setString(1, user);
                select.setString(2, device);
                try (ResultSet row = select.executeQuery()) {
                    if (row.next() && row.getLong(1) == 0) {
                        return device;
                    }
                }
            }
            lock.rollback(); // the retention got there between the insert and the lock: another device
        }
        throw new IllegalStateException("the retention always trimmed the device before it could be locked");
    }

    /** A cursor and its entries in one statement: a half-written device would confuse other tests' counts. */
    private void fakeInbox(String device, int count) {
        StoreTestSupport.update("""
                WITH cursor AS (INSERT INTO relay.inbox_cursor (user_id, device_id, last_seq) VALUES (?, ?, ?))
                INSERT INTO relay.inbox_entry (user_id, device_id, seq, sender_device, frame_id, frame)
                SELECT ?, ?, s, 'written-by-test', 'f' || s, '{}' FROM generate_series(1, ?) s""",
                user, device, (long) count, user, device, count);
    }

    private long entries(String device) {
        return StoreTestSupport.count("SELECT count(*) FROM relay.inbox_entry WHERE user_id = ? AND device_id = ?", user, device);
    }

    @Test
    void anUnacknowledgedMessageIsSentAgainWhileTheDeviceStaysConnected() {
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            hello(deliveries, target, unique("conn"), null);
            String id = send(1).get(0);
            Predicate<Delivery> copies = frameFor(user, target, FrameType.MESSAGE).and(d -> id.equals(d.frame().id()));
            List<Delivery> both = deliveries.awaitCount("the message and its redelivery", copies, 2);
            assertThat(both.get(1).frame().seq()).isEqualTo(both.get(0).frame().seq());
        }
    }

    @Test
    void redeliveriesWithoutAnAckBackOffAndLeaveYoungEntriesOnTheirWay() {
        Duration timeout = config.inbox().redeliveryTimeout();
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            hello(deliveries, target, unique("conn"), null);
            String old = send(1).get(0);
            Predicate<Delivery> copiesOfOld = frameFor(user, target, FrameType.MESSAGE).and(d -> old.equals(d.frame().id()));
            deliveries.await("the first message", copiesOfOld);
            // a second message two thirds of a timeout later: still younger than the timeout when the first is sent again
            deliveries.poll(d -> false, timeout.multipliedBy(2).dividedBy(3));
            String young = send(1).get(0);
            Predicate<Delivery> copiesOfYoung = frameFor(user, target, FrameType.MESSAGE).and(d -> young.equals(d.frame().id()));
            deliveries.await("the second message", copiesOfYoung);

            deliveries.awaitCount("the first redelivery", copiesOfOld, 2);
            long firstRedelivery = System.nanoTime();
            assertThat(deliveries.all(copiesOfYoung)).as("a message younger than the timeout is not copied").hasSize(1);

            deliveries.awaitCount("the second redelivery", copiesOfOld, 3);
            Duration gap = Duration.ofNanos(System.nanoTime() - firstRedelivery);
            // twice the timeout, less the sweep's period and the tail's polling
            assertThat(gap).as("the second redelivery waits twice the timeout")
                    .isGreaterThan(timeout.multipliedBy(2).minus(config.inbox().redeliverySweep()).minusMillis(500));
            deliveries.awaitCount("the second message, older than the timeout now, sent again", copiesOfYoung, 2);
        }
    }

    @Test
    void aSteadyStreamDoesNotPostponeTheRedeliveryOfAnUnacknowledgedMessage() {
        try (Tail<Delivery> deliveries = KafkaTestSupport.deliveries(GATEWAY)) {
            hello(deliveries, target, unique("conn"), null);
            String first = send(1).get(0);
            Predicate<Delivery> copiesOfFirst = frameFor(user, target, FrameType.MESSAGE).and(d -> first.equals(d.frame().id()));
            long streamEnds = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            // the device keeps receiving (a new message every 300 ms) but never acknowledges
            while (System.nanoTime() < streamEnds && deliveries.all(copiesOfFirst).size() < 2) {
                send(1);
                deliveries.poll(d -> false, Duration.ofMillis(300));
            }
            assertThat(deliveries.all(copiesOfFirst)).as("the first message sent again while new ones kept coming")
                    .hasSizeGreaterThanOrEqualTo(2);
        }
    }

    private List<String> send(int count) {
        List<String> ids = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            String id = unique("m" + n);
            sendFrame(user, sender, senderConn, message(id, null));
            ids.add(id);
        }
        return ids;
    }

    private Frame message(String id, String marker) {
        int n = Integer.parseInt(id.substring(1, id.indexOf('-'))); // ids are "m<n>-<random>"
        return clientFrame(id, FrameType.MESSAGE, target, marker == null ? Map.of("n", n) : Map.of("n", n, marker, true));
    }

    /** The first {@code count} messages a hello replayed (answers to its connection, not live or redelivered ones). */
    private List<Frame> messages(Tail<Delivery> deliveries, int count) {
        return deliveries.awaitCount(count + " replayed messages for the target",
                frameFor(user, target, FrameType.MESSAGE).and(d -> d.connectionId() != null), count)
                .stream().limit(count).map(Delivery::frame).toList();
    }

    private Welcome hello(Tail<Delivery> deliveries, String device, String connection, Long lastSeq) {
        StoreTestSupport.online(redis, user, device, connection, GATEWAY);
        online.add(device);
        String helloId = unique("hello");
        sendFrame(user, device, connection, clientFrame(helloId, FrameType.HELLO, null, new Hello(device, "name of " + device,
                "desktop", "linux", "1.0.0", List.of(), lastSeq == null ? null : new Hello.Resume(lastSeq))));
        return payload(deliveries.await("welcome of " + device,
                frameFor(user, device, FrameType.WELCOME).and(d -> helloId.equals(d.frame().corr()))).frame(), Welcome.class);
    }
}
