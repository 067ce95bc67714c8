package io.rccs.e2e;

import static io.rccs.client.FrameMatcher.corr;
import static io.rccs.client.FrameMatcher.payload;
import static io.rccs.client.FrameMatcher.type;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.client.FrameMatcher;
import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;

/**
 * The command lifecycle of SPEC 3.3 on the live stack. `./rccs test` runs the queue with a quick
 * lifecycle (RCCS_QUEUE_ACK_TIMEOUT=2s, backoff base 500 ms, cap 4 s, scheduler poll 100 ms).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CommandsIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration ACK_TIMEOUT = setting("RCCS_QUEUE_ACK_TIMEOUT", Duration.ofSeconds(2));
    private static final Duration BACKOFF_BASE = setting("RCCS_QUEUE_BACKOFF_BASE", Duration.ofMillis(500));
    private static final List<String> PRIORITIES = List.of("low", "normal", "high", "critical");

    private final List<Household> households = new ArrayList<>();

    @AfterEach
    void closeAll() {
        households.forEach(Household::close);
    }

    private Household household(String prefix) {
        Household household = Household.fresh(prefix);
        households.add(household);
        return household;
    }

    @Test
    @DisplayName("an online device that never acks gets the command again after each ack timeout until maxAttempts, then DEAD; the sender sees every status in order")
    void retriedUntilDead() {
        Household alice = household("cmd-retry");
        RccsClient desk = alice.trusted(0, "desk", List.of("roo.task@1"));
        RccsClient phone = alice.trusted(1, "phone", List.of());

        Frame submit = phone.send("command.submit", "desk", Map.of("name", "build", "maxAttempts", 3));
        String commandId = queuedId(phone, submit);

        List<Frame> attempts = new ArrayList<>();
        for (int attempt = 1; attempt <= 3; attempt++) {
            Frame command = desk.await(type("command").and(payload("commandId", commandId))
                    .and(FrameMatcher.of("attempt " + attempt, f -> f.payload().path("attempt").asInt() == attempts.size() + 1)),
                    WAIT);
            attempts.add(command); // never acknowledged
        }
        List<Frame> statuses = statusesUntil(phone, commandId, "DEAD");
        assertThat(statuses).extracting(CommandsIT::status)
                .containsExactly("QUEUED", "DISPATCHED", "QUEUED", "DISPATCHED", "QUEUED", "DISPATCHED", "DEAD");
        assertThat(statuses).extracting(f -> f.payload().path("version").asLong()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(statuses.get(6).payload().path("error").asText()).contains("no acknowledgement after 3 attempts");
        // each retry waits the ack timeout plus a full-jitter backoff under a growing ceiling (base, 2 x base)
        for (int i = 1; i < attempts.size(); i++) {
            long gap = attempts.get(i).ts() - attempts.get(i - 1).ts();
            long ceiling = BACKOFF_BASE.toMillis() << (i - 1);
            assertThat(gap).as("gap before attempt %d", i + 1)
                    .isBetween(ACK_TIMEOUT.toMillis(), ACK_TIMEOUT.toMillis() + ceiling + 1_000);
        }
        assertThat(desk.nothingMatching(type("command").and(payload("commandId", commandId)), ACK_TIMEOUT.plusSeconds(2)))
                .as("no fourth attempt").isTrue();
    }

    @Test
    @DisplayName("the TTL passes while the device is offline: EXPIRED on time, without any connect")
    void expiresWhileOffline() {
        Household alice = household("cmd-ttl");
        RccsClient desk = alice.trusted(0, "desk", List.of("roo.task@1"));
        RccsClient phone = alice.trusted(1, "phone", List.of());
        desk.close();
        awaitOffline(phone, "desk");

        long submitted = System.currentTimeMillis();
        Frame submit = phone.send("command.submit", "desk", Map.of("name", "build", "ttlSec", 2));
        String commandId = queuedId(phone, submit);
        Frame expired = phone.await(status(commandId, "EXPIRED"), WAIT);
        assertThat(expired.ts() - submitted).as("expired after its 2 s ttl, on time").isBetween(2_000L, 4_000L);
    }

    @Test
    @DisplayName("notBefore 3 s ahead: not delivered before, delivered after")
    void notBeforeIsHonoured() {
        Household alice = household("cmd-later");
        RccsClient desk = alice.trusted(0, "desk", List.of("roo.task@1"));
        RccsClient phone = alice.trusted(1, "phone", List.of());

        long notBefore = System.currentTimeMillis() + 3_000;
        Frame submit = phone.send("command.submit", "desk", Map.of("name", "later", "notBefore", notBefore));
        String commandId = queuedId(phone, submit);
        Frame command = desk.await(type("command").and(payload("commandId", commandId)), WAIT);
        assertThat(command.ts()).as("dispatched at or after notBefore").isGreaterThanOrEqualTo(notBefore);
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(notBefore);
    }

    @Test
    @DisplayName("100 commands of mixed priority queued offline are delivered critical first, FIFO within a priority")
    void flushedInPriorityOrder() {
        Household alice = household("cmd-flush");
        RccsClient desk = alice.trusted(0, "desk", List.of("roo.task@1"));
        RccsClient phone = alice.trusted(1, "phone", List.of());
        desk.close();
        awaitOffline(phone, "desk");

        Map<String, Integer> submitOrder = new LinkedHashMap<>();
        Map<String, String> priorityOf = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            String priority = PRIORITIES.get((i * 7 + i / 3) % 4);
            Frame submit = phone.send("command.submit", "desk", Map.of("name", "n" + i, "priority", priority));
            String commandId = queuedId(phone, submit);
            submitOrder.put(commandId, i);
            priorityOf.put(commandId, priority);
        }
        RccsClient back = alice.open(0);
        alice.connect(back, "desk", "desktop", List.of("roo.task@1"));
        List<Frame> delivered = new ArrayList<>();
        while (delivered.size() < 100) {
            delivered.add(back.await(type("command"), WAIT));
        }
        List<String> ids = delivered.stream().map(f -> f.payload().path("commandId").asText()).toList();
        assertThat(ids).containsExactlyInAnyOrderElementsOf(submitOrder.keySet());
        List<String> expected = new ArrayList<>(submitOrder.keySet());
        expected.sort(Comparator.comparing((String id) -> -PRIORITIES.indexOf(priorityOf.get(id))).thenComparing(submitOrder::get));
        assertThat(ids).as("critical first, FIFO within a priority").containsExactlyElementsOf(expected);
    }

    @Test
    @DisplayName("a command without `to` reaches the online capable desktop at once")
    void withoutToGoesToTheCapableDesktop() {
        Household alice = household("cmd-any");
        RccsClient desk = alice.trusted(0, "desk", List.of("roo.task@1"));
        RccsClient tablet = alice.open(1);
        alice.connect(tablet, "tablet", "mobile", List.of("roo.task@1"));
        alice.pair(tablet, "tablet", true);
        RccsClient phone = alice.trusted(1, "phone", List.of());

        Frame submit = phone.send("command.submit", null, Map.of("name", "anywhere", "requires", List.of("roo.task")));
        String commandId = queuedId(phone, submit);
        Frame command = desk.await(type("command").and(payload("commandId", commandId)), Duration.ofSeconds(3));
        assertThat(command.from()).isEqualTo("phone");
        assertThat(tablet.nothingMatching(type("command"), Duration.ofMillis(500))).as("the mobile is not preferred").isTrue();
    }

    @Test
    @DisplayName("cancel racing a dispatch: the device never gets a command whose sender saw CANCELLED")
    void cancelRacingDispatch() {
        Household alice = household("cmd-cancel");
        RccsClient desk = alice.trusted(0, "desk", List.of("roo.task@1"));
        RccsClient phone = alice.trusted(1, "phone", List.of());

        // notBefore a little ahead: the cancel races the scheduler's dispatch, and either may win
        Map<String, String> outcome = new TreeMap<>();
        for (int i = 0; i < 30; i++) {
            // every third due at once (dispatched with the submit: the cancel must be refused), the others a
            // little ahead, so that the scheduler's dispatch and the cancel race
            long notBefore = System.currentTimeMillis() + (i % 3 == 0 ? -1_000 : (i % 6) * 25);
            Frame submit = phone.send("command.submit", "desk", Map.of("name", "race" + i, "notBefore", notBefore));
            String commandId = queuedId(phone, submit);
            Frame cancel = phone.send("command.cancel", null, Map.of("commandId", commandId));
            Frame answer = phone.await(corr(cancel.id()).and(type("error")).or(status(commandId, "CANCELLED")), WAIT);
            outcome.put(commandId, answer.is(io.rccs.model.protocol.FrameType.ERROR) ? "refused" : "cancelled");
        }
        List<String> cancelled = outcome.entrySet().stream().filter(e -> e.getValue().equals("cancelled")).map(Map.Entry::getKey).toList();
        outcome.forEach((commandId, how) -> {
            if ("refused".equals(how)) { // refused because it was dispatched: the device gets it, the sender sees it go on
                desk.await(type("command").and(payload("commandId", commandId)), WAIT);
                phone.await(status(commandId, "DISPATCHED"), WAIT);
            }
        });
        assertThat(desk.nothingMatching(type("command").and(FrameMatcher.of("a cancelled command",
                f -> cancelled.contains(f.payload().path("commandId").asText()))), ACK_TIMEOUT))
                .as("a command the sender saw CANCELLED never reaches the device").isTrue();
        assertThat(desk.received().stream().filter(f -> "command".equals(f.type())
                && cancelled.contains(f.payload().path("commandId").asText()))).isEmpty();
        System.out.printf("cancel races: %d cancelled, %d refused (already dispatched)%n", cancelled.size(),
                outcome.size() - cancelled.size());
        assertThat(cancelled).as("some cancels won").isNotEmpty();
        assertThat(cancelled).as("some cancels lost to the dispatch").hasSizeLessThan(outcome.size());
    }

    @Test
    @DisplayName("a sender that was offline during the transitions gets them on reconnect, in order")
    void offlineSenderCatchesUp() {
        Household alice = household("cmd-catchup");
        RccsClient desk = alice.trusted(0, "desk", List.of("roo.task@1"));
        RccsClient phone = alice.trusted(1, "phone", List.of());

        Frame submit = phone.send("command.submit", "desk", Map.of("name", "build"));
        String commandId = queuedId(phone, submit);
        Frame dispatched = phone.await(status(commandId, "DISPATCHED"), WAIT);
        phone.send("ack", null, Map.of("upTo", dispatched.seq()));
        phone.close();
        awaitOffline(desk, "phone");

        desk.await(type("command").and(payload("commandId", commandId)), WAIT);
        desk.send("command.ack", null, Map.of("commandId", commandId));
        desk.send("command.result", null, Map.of("commandId", commandId, "ok", true, "output", Map.of("lines", 3)));

        RccsClient again = alice.open(1);
        Frame hello = again.sendHello(RccsClient.helloPayload("phone", "phone", "desktop", List.of(), dispatched.seq(),
                alice.credentialOf("phone")));
        again.await(corr(hello.id()).and(type("welcome")), WAIT);
        List<Frame> caughtUp = statusesUntil(again, commandId, "SUCCEEDED");
        assertThat(caughtUp).extracting(CommandsIT::status).containsExactly("DELIVERED", "SUCCEEDED");
        assertThat(caughtUp).extracting(Frame::seq).isSorted();
        assertThat(caughtUp.get(1).payload().path("output").path("lines").asInt()).isEqualTo(3);
    }

    @Test
    @DisplayName("an operator lists, inspects, requeues and purges dead letters over REST; a user without rccs-admin cannot")
    void operatorWorksTheDeadLetters() throws Exception {
        Household alice = household("cmd-dlq");
        RccsClient desk = alice.trusted(0, "desk", List.of("roo.task@1"));
        RccsClient phone = alice.trusted(1, "phone", List.of());
        desk.close();
        awaitOffline(phone, "desk");
        List<String> dead = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Frame submit = phone.send("command.submit", "desk", Map.of("name", "dlq" + i, "ttlSec", 2));
            dead.add(queuedId(phone, submit));
        }
        for (String commandId : dead) {
            phone.await(status(commandId, "EXPIRED"), WAIT);
        }
        String ops = Stack.token("ops");
        String sub = subjectOf(alice.token()); // the queue knows users by their token's sub

        HttpResponse<String> denied = http("GET", "/v1/admin/dead-letters?userId=" + sub, alice.token());
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.headers().firstValue("content-type").orElse("")).contains("application/problem+json");

        JsonNode listed = json(http("GET", "/v1/admin/dead-letters?userId=" + sub, ops), 200);
        assertThat(listed.path("commands")).hasSize(3);
        assertThat(listed.path("commands").findValuesAsText("commandId")).containsExactlyInAnyOrderElementsOf(dead);
        assertThat(listed.path("commands").findValuesAsText("status")).containsOnly("EXPIRED");

        JsonNode one = json(http("GET", "/v1/admin/dead-letters/" + dead.get(0), ops), 200);
        assertThat(one.path("name").asText()).isEqualTo("dlq0");
        assertThat(one.path("error").asText()).contains("ttl");

        // the desk is back: a requeued command (fresh attempts and TTL) goes to it at once
        RccsClient back = alice.open(0);
        alice.connect(back, "desk", "desktop", List.of("roo.task@1"));
        JsonNode requeued = json(http("POST", "/v1/admin/dead-letters/" + dead.get(0) + "/requeue", ops), 200);
        assertThat(requeued.path("status").asText()).isEqualTo("QUEUED");
        assertThat(requeued.path("attempt").asInt()).isZero();
        phone.await(status(dead.get(0), "QUEUED").and(FrameMatcher.of("after the requeue",
                f -> f.payload().path("version").asLong() > 2)), WAIT);
        back.await(type("command").and(payload("commandId", dead.get(0))), WAIT);
        back.send("command.ack", null, Map.of("commandId", dead.get(0))); // before its fresh 2 s TTL ends
        phone.await(status(dead.get(0), "DELIVERED"), WAIT);
        assertThat(back.nothingMatching(type("command").and(FrameMatcher.of("a dead letter not requeued",
                f -> !dead.get(0).equals(f.payload().path("commandId").asText()))), Duration.ofSeconds(1)))
                .as("only the requeued one").isTrue();

        assertThat(http("DELETE", "/v1/admin/dead-letters/" + dead.get(1), ops).statusCode()).isEqualTo(204);
        assertThat(http("GET", "/v1/admin/dead-letters/" + dead.get(1), ops).statusCode()).isEqualTo(404);
        assertThat(http("DELETE", "/v1/admin/dead-letters/" + dead.get(2), alice.token()).statusCode()).isEqualTo(403);

        JsonNode purged = json(http("DELETE", "/v1/admin/dead-letters?userId=" + sub, ops), 200);
        assertThat(purged.path("commands").findValuesAsText("commandId")).containsExactly(dead.get(2));
    }

    // ------------------------------------------------------------------------------------ helpers

    /** The commandId of the QUEUED status answering the submit (an error fails the test). */
    static String queuedId(RccsClient sender, Frame submit) {
        Frame answer = sender.await(corr(submit.id()).and(type("command.status").or(type("error"))), WAIT);
        assertThat(answer.type()).as("answer to %s: %s", submit.id(), answer).isEqualTo("command.status");
        return answer.payload().path("commandId").asText();
    }

    static FrameMatcher status(String commandId, String status) {
        return type("command.status").and(payload("commandId", commandId)).and(payload("status", status));
    }

    static String status(Frame frame) {
        return frame.payload().path("status").asText();
    }

    /** The sender's statuses of one command, once each (by version), in seq order, up to the final one. */
    static List<Frame> statusesUntil(RccsClient sender, String commandId, String last) {
        sender.await(status(commandId, last), WAIT);
        Map<Long, Frame> byVersion = new TreeMap<>();
        for (Frame frame : sender.received()) {
            if ("command.status".equals(frame.type()) && commandId.equals(frame.payload().path("commandId").asText())
                    && frame.seq() != null) {
                byVersion.putIfAbsent(frame.payload().path("version").asLong(), frame);
            }
        }
        List<Frame> inSeqOrder = new ArrayList<>(byVersion.values());
        assertThat(inSeqOrder).as("seq order is version order").extracting(Frame::seq).isSorted();
        return inSeqOrder;
    }

    /** Waits until the other device sees this one offline (so the queue has its offline event too, or soon). */
    static void awaitOffline(RccsClient observer, String deviceId) {
        boolean offline = Devices.await(WAIT, () -> {
            Frame list = observer.send("devices.list", null, Map.of("id", deviceId));
            Frame answer = observer.await(corr(list.id()), WAIT);
            JsonNode devices = answer.payload().path("devices");
            return devices.size() == 1 && !"online".equals(devices.get(0).path("presence").asText());
        });
        // the queue may hear of it a little later: a command dispatched meanwhile is dropped at the gateway, and the
        // queue puts it back when the offline event comes (the tests' assertions hold either way)
        assertThat(offline).as("%s seen offline", deviceId).isTrue();
    }

    private static HttpResponse<String> http(String method, String path, String token) throws Exception {
        URI ws = Stack.gateway(0);
        URI url = URI.create("http://" + ws.getHost() + ":" + ws.getPort() + path);
        HttpRequest request = HttpRequest.newBuilder(url).method(method, HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + token).timeout(WAIT).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response, int expected) throws Exception {
        assertThat(response.statusCode()).as("%s %s: %s", response.request().method(), response.uri(), response.body())
                .isEqualTo(expected);
        return FrameCodec.mapper().readTree(response.body());
    }

    /** The {@code sub} claim of a JWT. */
    private static String subjectOf(String token) throws Exception {
        byte[] claims = java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]);
        return FrameCodec.mapper().readTree(claims).path("sub").asText();
    }

    private static Duration setting(String env, Duration fallback) {
        String value = System.getenv(env);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        return value.endsWith("ms") ? Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)))
                : Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
    }
}
