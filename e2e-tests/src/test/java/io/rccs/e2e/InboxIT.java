package io.rccs.e2e;

import static io.rccs.client.FrameMatcher.type;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.rccs.client.RccsClient;
import io.rccs.e2e.Devices.Recorded;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.Ack;
import io.rccs.model.protocol.payload.Welcome;

/**
 * The per-device inbox end to end (SPEC 3.2), through both gateways, Kafka, the relay and PostgreSQL:
 * messages to an offline device, a receiver that drops and resumes on the other gateway, and a
 * resent frame id.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class InboxIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Below the gateway's 50 frames/s per connection: a sender that keeps the limit needs no resends. */
    private static final int SENDS_PER_SECOND = 45;

    private final Devices devices = new Devices();
    /** A user of this test alone (JUnit makes a new instance per test): its first device is trusted. */
    private final String user = TestUsers.fresh("inbox");
    private final List<RccsClient> clients = new ArrayList<>();

    @AfterEach
    void close() {
        devices.close();
        clients.forEach(RccsClient::close);
    }

    @Test
    void aThousandMessagesSentWhileTheTargetIsOfflineArriveOnConnectInOrderEachOnce() {
        String desk = Devices.unique("desk");
        Recorded target = devices.start(user, desk, 0, null);
        target.device().close(); // registered, now offline
        Recorded phone = devices.start(user, Devices.unique("phone"), 1, null);

        List<String> sent = sendPaced(phone, desk, 1000);

        Recorded back = devices.start(user, desk, 0, null);
        assertThat(Devices.await(Duration.ofSeconds(60), () -> back.messages().size() >= 1000))
                .as("1000 messages handed over within 60 s, got %d", back.messages().size()).isTrue();
        Devices.sleep(1000); // anything more that would come
        assertThat(back.messages()).extracting(Frame::id).containsExactlyElementsOf(sent);
        assertThat(back.messages()).extracting(Frame::seq).isSorted().doesNotHaveDuplicates();
        assertThat(back.others()).noneMatch(type("error"));
        assertThat(phone.others()).as("the sender is told nothing went wrong").noneMatch(type("error"));
    }

    @Test
    void aReceiverThatDropsMidStreamResumesOnTheOtherGatewayWithTheRestInOrder() {
        String desk = Devices.unique("desk");
        Recorded phone = devices.start(user, Devices.unique("phone"), 1, null);
        RccsClient first = RccsClient.connect(Stack.gateway(0), Devices.token(user), WAIT);
        clients.add(first);
        String credential = first.hello(RccsClient.helloPayload(desk, "desk", "desktop", List.of(), null), WAIT).credential();
        devices.pairClient(user, first, desk);

        List<String> sent = new ArrayList<>(sendPaced(phone, desk, 40));
        List<Frame> before = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            before.add(first.await(type("message"), WAIT));
        }
        long lastSeq = before.get(before.size() - 1).seq();
        // it acknowledged only part of what it saw, then the connection broke
        first.send("ack", null, new Ack(before.get(19).seq()));
        first.close();
        sent.addAll(sendPaced(phone, desk, 60));

        RccsClient second = RccsClient.connect(Stack.gateway(1), Devices.token(user), WAIT);
        clients.add(second);
        Welcome welcome = second.hello(RccsClient.helloPayload(desk, "desk", "desktop", List.of(), lastSeq, credential), WAIT);
        assertThat(welcome.resumed()).isTrue();
        assertThat(welcome.missed()).isZero();
        List<Frame> after = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            after.add(second.await(type("message"), WAIT));
        }
        List<Frame> all = new ArrayList<>(before);
        all.addAll(after);
        assertThat(all).extracting(Frame::id).containsExactlyElementsOf(sent);
        assertThat(after.get(0).seq()).as("the replay starts right after lastSeq").isEqualTo(lastSeq + 1);
        assertThat(all).extracting(Frame::seq).isSorted().doesNotHaveDuplicates();
        assertThat(second.nothingMatching(type("message"), Duration.ofSeconds(2))).as("nothing after the 100").isTrue();
    }

    @Test
    void aResentFrameIdIsDeliveredOnce() {
        String desk = Devices.unique("desk");
        Recorded target = devices.start(user, desk, 0, null);
        RccsClient phone = RccsClient.connect(Stack.gateway(1), Devices.token(user), WAIT);
        clients.add(phone);
        String phoneId = Devices.unique("phone");
        phone.hello(RccsClient.helloPayload(phoneId, "phone", "mobile", List.of(), null), WAIT);
        devices.pairClient(user, phone, phoneId);

        Frame message = new Frame(Frame.VERSION, RccsClient.newId(), "message", desk, null, null, null,
                System.currentTimeMillis(), FrameCodec.toPayload(Map.of("text", "once")));
        String text = FrameCodec.encode(message);
        phone.sendRaw(text);
        phone.sendRaw(text);
        phone.sendRaw(text);
        Frame after = phone.send("message", desk, Map.of("text", "after"));

        assertThat(Devices.await(WAIT, () -> target.messages().size() >= 2)).isTrue();
        Devices.sleep(1500);
        assertThat(target.messages()).extracting(Frame::id).containsExactly(message.id(), after.id());
    }

    @Test
    void aLastSeqOlderThanTheRetentionIsNotResumedAndSaysHowManyWereMissed() throws Exception {
        // the stack ./rccs test starts keeps few entries per device, so retention can be reached here
        String configured = System.getenv("RCCS_RELAY_INBOX_MAX_ENTRIES");
        Assumptions.assumeTrue(configured != null, "RCCS_RELAY_INBOX_MAX_ENTRIES names the stack's retention");
        int retained = Integer.parseInt(configured);
        int senders = 6;
        int perSender = (retained + 60 + senders - 1) / senders;
        String desk = Devices.unique("desk");
        Recorded target = devices.start(user, desk, 0, null);
        target.device().close();
        List<Recorded> phones = new ArrayList<>();
        for (int i = 0; i < senders; i++) {
            phones.add(devices.start(user, Devices.unique("phone" + i), 1, null));
        }
        List<java.util.concurrent.CompletableFuture<List<String>>> streams = phones.stream()
                .map(phone -> java.util.concurrent.CompletableFuture.supplyAsync(() -> sendPaced(phone, desk, perSender)))
                .toList();
        for (var stream : streams) {
            stream.get(2, TimeUnit.MINUTES);
        }
        int sent = senders * perSender;

        RccsClient back = RccsClient.connect(Stack.gateway(1), Devices.token(user), WAIT);
        clients.add(back);
        // the retention trim runs on a timer and spares entries younger than RCCS_RELAY_INBOX_MIN_RETENTION (30 s),
        // so it can cut the backlog in steps as the entries age: ask until it has cut all the excess (each hello
        // replaces the connection before; nothing is acknowledged, so every ask sees the same inbox)
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        Welcome welcome;
        do {
            welcome = back.hello(RccsClient.helloPayload(desk, "desk", "desktop", List.of(), 0L, devices.credentialOf(desk)), WAIT);
            boolean trimmed = !welcome.resumed() && welcome.missed() >= sent - retained;
            if (trimmed || System.nanoTime() > deadline) {
                break;
            }
            back.close();
            Devices.sleep(1000);
            back = RccsClient.connect(Stack.gateway(1), Devices.token(user), WAIT);
            clients.add(back);
        } while (true);
        assertThat(welcome.resumed()).isFalse();
        assertThat(welcome.missed()).isEqualTo(sent - retained);
        List<Frame> replayed = new ArrayList<>();
        for (int i = 0; i < retained; i++) {
            replayed.add(back.await(type("message"), WAIT));
        }
        assertThat(replayed.get(0).seq()).as("the oldest retained entry").isEqualTo(sent - retained + 1);
        assertThat(replayed).extracting(Frame::seq).isSorted().doesNotHaveDuplicates();
    }

    /** Sends {@code count} numbered messages to {@code to}, paced under the gateway's rate limit; returns their ids. */
    static List<String> sendPaced(Recorded sender, String to, int count) {
        List<String> ids = new ArrayList<>(count);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + i * 1_000_000_000L / SENDS_PER_SECOND;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Devices.sleep(wait / 1_000_000);
            }
            ids.add(sender.device().send("message", to, Map.of("i", i)).id());
        }
        return ids;
    }
}
