package io.rccs.queue;

import static io.rccs.queue.CommandFixture.row;
import static io.rccs.queue.CommandSchedulingTest.commandFrame;
import static io.rccs.queue.KafkaTestSupport.QUIET;
import static io.rccs.queue.KafkaTestSupport.TIMEOUT;
import static io.rccs.queue.KafkaTestSupport.frameFor;
import static io.rccs.queue.KafkaTestSupport.payload;
import static io.rccs.queue.KafkaTestSupport.sendSessionEvent;
import static io.rccs.queue.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.CommandSubmitRequest;
import io.rccs.model.events.DeadLetter;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.SessionEvent;
import io.rccs.model.events.Topics;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandDelivery;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.testsupport.KafkaTestKit.Keyed;
import io.rccs.testsupport.KafkaTestKit.Tail;
import io.rccs.testsupport.StoreTestSupport;

/**
 * Commands that name a work session (SPEC 3.5): only the session's owner gets them, and the queued ones
 * follow the owner through a handoff; the queue learns owners from rccs.session.events, applying only
 * what is newer than what it has. The owner is {@link CommandFixture#target} unless said otherwise.
 */
@QuarkusTest
class SessionCommandsTest {

    private static final List<String> TASK = List.of("roo.task@1");

    @Inject
    RedisDataSource redis;

    @Test
    void aSessionsCommandGoesToItsOwnerOnlyAndNeverToAnotherCapableDevice() {
        KafkaTestSupport.awaitSessionConsumerReady();
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetOnlineKnown();
            String other = unique("other");
            f.deviceOnline(other, unique("conn"), "desktop", TASK); // could run it, and came online last
            String session = unique("session");
            sendSessionEvent(EventTypes.SESSION_OPENED, event(f, session, f.target, null, 1, "open"));
            awaitSession(session, 1);

            String id = f.submitQueued("submit-for-session", null, forSession("build", session));
            Delivery sent = f.deliveries.await("the command on the owner", commandFrame(f.user, id));
            assertThat(sent.deviceId()).isEqualTo(f.target);
            assertThat(row(id)).containsEntry("session_id", session).containsEntry("target_device", f.target)
                    .containsEntry("auto_target", false);
            f.ack(id);
            f.statuses.await("DELIVERED", f.statusToSender(id, "DELIVERED"));

            // over REST, the same
            String restConn = "rest-" + unique("req");
            KafkaTestSupport.sendRestFrame(f.user, restConn, List.of("rccs-user"), KafkaTestSupport.clientFrame("rest-session",
                    FrameType.COMMAND_SUBMIT, null, forSession("lint", session)));
            Delivery answer = f.deliveries.await("the REST answer", KafkaTestSupport.answerTo(restConn, "rest-session"));
            String overRest = payload(answer.frame(), CommandStatus.class).commandId();
            assertThat(f.deliveries.await("the REST command on the owner", commandFrame(f.user, overRest)).deviceId()).isEqualTo(f.target);
            f.ack(overRest);
            await("the REST command DELIVERED").atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .until(() -> "DELIVERED".equals(row(overRest).get("status")));

            // the owner goes away: the session's next command waits for it, though another device could run it
            f.deviceOffline(f.target, "desktop", TASK);
            String waiting = f.submitQueued("submit-while-owner-away", null, forSession("test", session));
            Object onlineBefore = lastOnline(f, other);
            f.deviceOnline(other, unique("conn"), "desktop", TASK); // reconnects: its online event flushes what it may take
            await("the other device's new online event handled").atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .until(() -> !onlineBefore.equals(lastOnline(f, other)));
            f.deliveries.assertNone("the session's command on another device", commandFrame(f.user, waiting), QUIET);
            assertThat(row(waiting)).containsEntry("status", "QUEUED").containsEntry("target_device", f.target)
                    .containsEntry("version", 1L);

            f.targetOnline();
            assertThat(f.deliveries.await("the waiting command on the owner, back", commandFrame(f.user, waiting)).deviceId())
                    .isEqualTo(f.target);
            f.ack(waiting);
            f.statuses.await("DELIVERED", f.statusToSender(waiting, "DELIVERED"));
            assertThat(f.deliveries.all(commandFrame(f.user, id).or(commandFrame(f.user, overRest)).or(commandFrame(f.user, waiting))))
                    .as("one copy each, all on the owner").hasSize(3)
                    .allSatisfy(d -> assertThat(d.deviceId()).isEqualTo(f.target));
            f.awaitOutboxDrained();
        }
    }

    @Test
    void aHandoffSendsTheQueuedCommandsToTheNewOwnerAndAnOlderOrRepeatedEventChangesNothing() {
        KafkaTestSupport.awaitSessionConsumerReady();
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetKnownOffline(); // the first owner, away
            String next = unique("next");
            String nextConn = unique("conn");
            f.deviceOnline(next, nextConn, "desktop", TASK);
            String session = unique("session");
            SessionEvent opened = event(f, session, f.target, null, 1, "open");
            sendSessionEvent(EventTypes.SESSION_OPENED, opened);
            awaitSession(session, 1);
            String first = f.submitQueued("submit-first", null, forSession("build", session));
            String second = f.submitQueued("submit-second", null, forSession("test", session));
            assertThat(row(first)).containsEntry("target_device", f.target).containsEntry("status", "QUEUED");

            SessionEvent handedOff = event(f, session, next, f.target, 2, "open");
            sendSessionEvent(EventTypes.SESSION_HANDED_OFF, handedOff);
            List<Delivery> sent = f.deliveries.awaitCount("both on the new owner",
                    commandFrame(f.user, first).or(commandFrame(f.user, second)), 2);
            assertThat(sent).extracting(Delivery::deviceId).containsOnly(next);
            assertThat(sent).extracting(d -> payload(d.frame(), CommandDelivery.class).commandId()).as("in submit order")
                    .containsExactly(first, second);
            assertThat(sent).extracting(d -> payload(d.frame(), CommandDelivery.class).attempt()).containsExactly(1, 1);
            f.ack(next, nextConn, first);
            f.ack(next, nextConn, second);
            f.statuses.await("DELIVERED", f.statusToSender(first, "DELIVERED"));
            f.statuses.await("DELIVERED", f.statusToSender(second, "DELIVERED"));
            List<CommandStatus> statuses = f.statusesOf(first);
            assertThat(statuses).extracting(CommandStatus::status).containsExactly("QUEUED", "QUEUED", "DISPATCHED", "DELIVERED");
            assertThat(statuses).extracting(CommandStatus::target).containsExactly(f.target, next, next, next);
            assertThat(statuses).extracting(CommandStatus::version).containsExactly(1L, 2L, 3L, 4L);

            // the new owner goes away with a command queued for it, and the first owner comes back
            f.deviceOffline(next, "desktop", TASK);
            String third = f.submitQueued("submit-third", null, forSession("deploy", session));
            assertThat(row(third)).containsEntry("target_device", next);
            f.targetOnlineKnown();
            // the opening again (older than what the queue has) and the handoff again (a repeat), then a state
            // change (passed over: no owner in it) and a newer event that keeps the owner: one session's events are
            // handled in order, so once the last is in, the others were handled
            sendSessionEvent(EventTypes.SESSION_OPENED, opened);
            sendSessionEvent(EventTypes.SESSION_HANDED_OFF, handedOff);
            sendSessionEvent(EventTypes.SESSION_STATE_CHANGED, event(f, session, f.target, null, 3, "open"));
            sendSessionEvent(EventTypes.SESSION_HANDED_OFF, event(f, session, next, next, 3, "open"));
            awaitSession(session, 3);
            assertThat(sessionRow(session)).containsEntry("owner_device", next).containsEntry("status", "open");
            f.deliveries.assertNone("the third command on the first owner", commandFrame(f.user, third), QUIET);
            assertThat(row(third)).containsEntry("status", "QUEUED").containsEntry("target_device", next)
                    .containsEntry("version", 1L);

            String nextAgain = unique("conn");
            f.deviceOnline(next, nextAgain, "desktop", TASK);
            assertThat(f.deliveries.await("the third command on the new owner", commandFrame(f.user, third)).deviceId())
                    .isEqualTo(next);
            f.ack(next, nextAgain, third);
            f.statuses.await("DELIVERED", f.statusToSender(third, "DELIVERED"));
            assertThat(f.deliveries.all(frameFor(f.user, f.target, FrameType.COMMAND))).as("nothing for the first owner").isEmpty();
            f.awaitOutboxDrained();
        }
    }

    @Test
    void aCommandSentBeforeAHandoffStaysWithItsDeviceAndIsRetriedOnTheNewOwner() {
        KafkaTestSupport.awaitSessionConsumerReady();
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetOnlineKnown();
            String next = unique("next");
            String nextConn = unique("conn");
            f.deviceOnline(next, nextConn, "desktop", TASK);
            String session = unique("session");
            sendSessionEvent(EventTypes.SESSION_OPENED, event(f, session, f.target, null, 1, "open"));
            awaitSession(session, 1);

            String id = f.submitQueued("submit-before-handoff", null, forSession("build", session));
            f.deliveries.await("attempt 1 on the first owner", commandFrame(f.user, id));
            sendSessionEvent(EventTypes.SESSION_HANDED_OFF, event(f, session, next, f.target, 2, "open"));
            awaitSession(session, 2);
            assertThat(row(id)).as("handled before the ack timeout, or this test cannot tell (the command: %s)", row(id))
                    .containsEntry("status", "DISPATCHED").containsEntry("attempt", 1);
            assertThat(row(id)).as("a sent command stays with its device").containsEntry("target_device", f.target);

            // nobody acknowledges: after the ack timeout the retry goes to the owner of the moment
            Delivery retry = f.deliveries.await("the retry on the new owner", commandFrame(f.user, id).and(d -> next.equals(d.deviceId())));
            assertThat(payload(retry.frame(), CommandDelivery.class).attempt()).as("the first owner was online: it counted").isEqualTo(2);
            f.ack(next, nextConn, id);
            f.statuses.await("DELIVERED", f.statusToSender(id, "DELIVERED"));
            List<CommandStatus> statuses = f.statusesOf(id);
            assertThat(statuses).extracting(CommandStatus::status).containsExactly("QUEUED", "DISPATCHED", "QUEUED", "DISPATCHED", "DELIVERED");
            assertThat(statuses).extracting(CommandStatus::target).containsExactly(f.target, f.target, next, next, next);
            assertThat(f.deliveries.all(commandFrame(f.user, id))).extracting(Delivery::deviceId).containsExactly(f.target, next);
            f.awaitOutboxDrained();
        }
    }

    @Test
    void aCommandForASessionNotYetKnownWaitsForItsFirstEvent() {
        KafkaTestSupport.awaitSessionConsumerReady();
        try (CommandFixture f = new CommandFixture(redis); CommandFixture stranger = new CommandFixture(redis)) {
            f.targetOnlineKnown();
            String session = unique("session");
            // the submits overtake the session's opening: the user's own, and another user's naming the same id
            String early = f.submitQueued("submit-early", null, forSession("build", session));
            String strangers = stranger.submitQueued("submit-strangers", null, forSession("peek", session));
            Map<String, Object> waiting = row(early);
            assertThat(waiting).containsEntry("status", "QUEUED").containsEntry("session_id", session).containsEntry("auto_target", false);
            assertThat(waiting.get("target_device")).as("no owner known yet").isNull();
            assertThat(waiting.get("next_attempt_at")).as("waits, until its expiry at the latest").isEqualTo(waiting.get("expires_at"));
            f.deliveries.assertNone("the early command anywhere", commandFrame(f.user, early), Duration.ofSeconds(1));

            sendSessionEvent(EventTypes.SESSION_OPENED, event(f, session, f.target, null, 1, "open"));
            Delivery sent = f.deliveries.await("the early command on the owner", commandFrame(f.user, early));
            assertThat(sent.deviceId()).isEqualTo(f.target);
            f.ack(early);
            f.statuses.await("DELIVERED", f.statusToSender(early, "DELIVERED"));
            assertThat(f.statusesOf(early)).extracting(CommandStatus::target).containsExactly(null, f.target, f.target, f.target);

            Delivery cancelled = stranger.statuses.await("CANCELLED for the stranger", stranger.statusToSender(strangers, "CANCELLED"));
            assertThat(payload(cancelled.frame(), CommandStatus.class).error()).isEqualTo("no such session");
            assertThat(row(strangers)).containsEntry("status", "CANCELLED").containsEntry("target_device", null);
            assertThat(row(strangers).get("dead_at")).as("not a dead letter: nothing to requeue").isNull();
            assertThat(stranger.deliveries.all(commandFrame(stranger.user, strangers))).isEmpty();

            // now that the queue knows whose session it is, the stranger is refused at once
            stranger.submit("submit-strangers-again", null, forSession("peek", session));
            assertError(stranger, "submit-strangers-again", ErrorCode.NOT_FOUND);
            f.awaitOutboxDrained();
            stranger.awaitOutboxDrained();
        }
    }

    @Test
    void closingASessionCancelsWhatIsQueuedForIt() {
        KafkaTestSupport.awaitSessionConsumerReady();
        try (CommandFixture f = new CommandFixture(redis)) {
            f.targetKnownOffline();
            String session = unique("session");
            sendSessionEvent(EventTypes.SESSION_OPENED, event(f, session, f.target, null, 1, "open"));
            awaitSession(session, 1);
            String first = f.submitQueued("submit-first", null, forSession("build", session));
            String second = f.submitQueued("submit-second", null, forSession("test", session));

            sendSessionEvent(EventTypes.SESSION_CLOSED, event(f, session, f.target, null, 2, "closed"));
            for (String id : List.of(first, second)) {
                Delivery cancelled = f.statuses.await("CANCELLED", f.statusToSender(id, "CANCELLED"));
                CommandStatus status = payload(cancelled.frame(), CommandStatus.class);
                assertThat(status.error()).isEqualTo("session closed");
                assertThat(status.version()).isEqualTo(2L);
                assertThat(row(id)).containsEntry("status", "CANCELLED").containsEntry("last_error", "session closed")
                        .containsEntry("next_attempt_at", null);
            }

            f.submit("submit-after-close", null, forSession("late", session));
            assertError(f, "submit-after-close", ErrorCode.CONFLICT);
            f.targetOnline();
            f.deliveries.assertNone("a command of the closed session on its owner", frameFor(f.user, f.target, FrameType.COMMAND), QUIET);
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ?", f.user))
                    .as("the refused submit stored nothing").isEqualTo(2);
            f.awaitOutboxDrained();
        }
    }

    @Test
    void toAndSessionTogetherAreRefusedOnEveryPath() {
        KafkaTestSupport.awaitSessionConsumerReady();
        KafkaTestSupport.awaitSubmitConsumerReady();
        try (CommandFixture f = new CommandFixture(redis); Tail<Keyed> deadLetters = KafkaTestSupport.events(Topics.DEAD_LETTERS)) {
            f.targetOnlineKnown();
            String session = unique("session");
            sendSessionEvent(EventTypes.SESSION_OPENED, event(f, session, f.target, null, 1, "open"));
            awaitSession(session, 1);

            f.submit("submit-both", f.target, forSession("build", session));
            Delivery refused = assertError(f, "submit-both", ErrorCode.BAD_FRAME);
            assertThat(payload(refused.frame(), ErrorPayload.class).message()).isEqualTo("give to or session, not both");

            String restConn = "rest-" + unique("req");
            KafkaTestSupport.sendRestFrame(f.user, restConn, List.of("rccs-user"), KafkaTestSupport.clientFrame("rest-both",
                    FrameType.COMMAND_SUBMIT, f.target, forSession("build", session)));
            Delivery restRefused = f.deliveries.await("the REST refusal", KafkaTestSupport.answerTo(restConn, "rest-both"));
            assertThat(payload(restRefused.frame(), ErrorPayload.class).code()).isEqualTo(ErrorCode.BAD_FRAME.wire());

            KafkaTestSupport.submitFromBackend(new CommandSubmitRequest(f.user, "billing", unique("idem"), f.target,
                    forSession("build", session)));
            DeadLetter dead = deadLetters.await("the backend's request", KafkaTestSupport.submitDeadLetter(f.user)).data(DeadLetter.class);
            assertThat(dead.error()).contains("bad_frame").contains("not both");

            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ?", f.user))
                    .as("nothing stored").isZero();
        }
    }

    private static CommandSubmit forSession(String name, String session) {
        return new CommandSubmit(name, null, "normal", null, null, null, null, session);
    }

    private static SessionEvent event(CommandFixture f, String session, String owner, String previousOwner, long version,
            String status) {
        return new SessionEvent(session, f.user, "task", owner, previousOwner, version, status, TASK, true, null);
    }

    /** Waits until the queue has applied the session's event of this version. */
    private static void awaitSession(String session, long version) {
        await("session " + session + " at version " + version).atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> StoreTestSupport.count("select count(*) from queue.work_session where session_id = ? and version = ?",
                        session, version) == 1);
    }

    private static Object lastOnline(CommandFixture f, String deviceId) {
        return StoreTestSupport.rows("select last_online from queue.known_device where device_key = ?",
                Topics.deviceKey(f.user, deviceId)).get(0).get("last_online");
    }

    private static Map<String, Object> sessionRow(String session) {
        return StoreTestSupport.rows("select * from queue.work_session where session_id = ?", session).get(0);
    }

    private static Delivery assertError(CommandFixture f, String corr, ErrorCode code) {
        Delivery error = f.deliveries.await(code.wire() + " answering " + corr,
                frameFor(f.user, f.sender, FrameType.ERROR).and(d -> corr.equals(d.frame().corr())));
        assertThat(error.connectionId()).as("answers go to the asking connection").isEqualTo(f.senderConn);
        assertThat(payload(error.frame(), ErrorPayload.class).code()).isEqualTo(code.wire());
        return error;
    }
}
