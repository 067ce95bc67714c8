package io.rccs.queue;

import static io.rccs.queue.CommandFixture.row;
import static io.rccs.queue.CommandSchedulingTest.commandFrame;
import static io.rccs.queue.KafkaTestSupport.GATEWAY;
import static io.rccs.queue.KafkaTestSupport.answerTo;
import static io.rccs.queue.KafkaTestSupport.clientFrame;
import static io.rccs.queue.KafkaTestSupport.payload;
import static io.rccs.queue.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.Delivery;
import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandDelivery;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.model.protocol.payload.CommandView;
import io.rccs.model.protocol.payload.CommandsPage;
import io.rccs.model.protocol.payload.DeadLetterAdmin;
import io.rccs.model.protocol.payload.ErrorPayload;
import io.rccs.testsupport.StoreTestSupport;

/**
 * The operators' dead-letter queue (SPEC 3.3, REST /v1/admin/dead-letters, role rccs-admin), as the
 * gateway hands it to the queue: {@code deadletters.admin} frames without a device, answered on the
 * REST request's connection. List (filters, pages), get, requeue, purge, bulk purge; nothing without the role.
 */
@QuarkusTest
class DeadLetterAdminTest {

    private static final List<String> ADMIN = List.of("rccs-user", "rccs-admin");
    private static final List<String> USER = List.of("rccs-user");
    private static final List<String> TASK = List.of("roo.task@1");

    @Inject
    RedisDataSource redis;

    @Test
    void operatorsListGetRequeueAndPurgeDeadLetters() {
        try (CommandFixture f = new CommandFixture(redis); CommandFixture other = new CommandFixture(redis)) {
            Admin admin = new Admin(f);
            f.targetKnownOffline();
            other.targetKnownOffline();
            String runner = unique("runner");
            String runnerConn = unique("conn");
            f.deviceOnline(runner, runnerConn, "desktop", TASK);

            String expired1 = f.submitQueued("expire-1", f.target, new CommandSubmit("lint", null, "normal", null, 1L, null, null));
            String expired2 = f.submitQueued("expire-2", f.target, new CommandSubmit("test", null, "low", null, 1L, null, null));
            String dead = f.submitQueued("die", runner, new CommandSubmit("build", null, "high", null, null, 1, null));
            String othersExpired = other.submitQueued("expire-other", other.target,
                    new CommandSubmit("lint", null, "normal", null, 1L, null, null));
            f.statuses.await("EXPIRED 1", f.statusToSender(expired1, "EXPIRED"));
            f.statuses.await("EXPIRED 2", f.statusToSender(expired2, "EXPIRED"));
            f.statuses.await("DEAD", f.statusToSender(dead, "DEAD"));
            other.statuses.await("the other user's EXPIRED", other.statusToSender(othersExpired, "EXPIRED"));

            // list: every user's, filtered here by user, newest death first
            List<CommandView> all = admin.page(ADMIN, list(f.user, null, null, null, null)).commands();
            assertThat(all).extracting(CommandView::commandId).containsExactlyInAnyOrder(expired1, expired2, dead);
            assertThat(all).extracting(CommandView::deadAt).isSortedAccordingTo(Comparator.reverseOrder());
            assertThat(admin.page(ADMIN, list(f.user, null, "EXPIRED", null, null)).commands()).extracting(CommandView::commandId)
                    .containsExactlyInAnyOrder(expired1, expired2);
            assertThat(admin.page(ADMIN, list(f.user, null, "DEAD", null, null)).commands()).extracting(CommandView::commandId)
                    .containsExactly(dead);
            assertThat(admin.page(ADMIN, list(null, runner, null, null, null)).commands()).as("by device").extracting(CommandView::commandId)
                    .containsExactly(dead);
            assertThat(admin.page(ADMIN, list(other.user, null, null, null, null)).commands()).extracting(CommandView::commandId)
                    .containsExactly(othersExpired);
            assertThat(admin.page(ADMIN, new DeadLetterAdmin("list", null, f.user, null, null, 3600L, null, null)).commands())
                    .as("none died an hour ago").isEmpty();
            assertThat(admin.page(ADMIN, new DeadLetterAdmin("list", null, f.user, null, null, 0L, null, null)).commands()).hasSize(3);
            // pages of two
            CommandsPage first = admin.page(ADMIN, list(f.user, null, null, null, 2));
            assertThat(first.commands()).hasSize(2);
            assertThat(first.next()).isNotNull();
            CommandsPage second = admin.page(ADMIN, list(f.user, null, null, first.next(), 2));
            assertThat(second.next()).isNull();
            List<String> paged = new ArrayList<>();
            first.commands().forEach(c -> paged.add(c.commandId()));
            second.commands().forEach(c -> paged.add(c.commandId()));
            assertThat(paged).containsExactlyElementsOf(all.stream().map(CommandView::commandId).toList());

            // get
            CommandView got = single(admin.page(ADMIN, DeadLetterAdmin.one("get", dead)));
            assertThat(got.status()).isEqualTo("DEAD");
            assertThat(got.userId()).isEqualTo(f.user);
            assertThat(got.sender()).isEqualTo(f.sender);
            assertThat(got.target()).isEqualTo(runner);
            assertThat(got.attempt()).isEqualTo(1);
            assertThat(got.error()).isEqualTo("no acknowledgement after 1 attempt");
            assertThat(got.deadAt()).isNotNull();
            admin.error(ADMIN, DeadLetterAdmin.one("get", UUID.randomUUID().toString()), ErrorCode.NOT_FOUND);
            admin.error(ADMIN, DeadLetterAdmin.one("get", "not-a-command-id"), ErrorCode.NOT_FOUND);

            // without the role, or from a device's socket: forbidden, and nothing changes
            Map<String, Object> before = state(dead);
            admin.error(USER, DeadLetterAdmin.one("requeue", dead), ErrorCode.FORBIDDEN);
            admin.error(USER, DeadLetterAdmin.one("purge", expired2), ErrorCode.FORBIDDEN);
            admin.error(USER, new DeadLetterAdmin("purge", null, f.user, null, null, null, null, null), ErrorCode.FORBIDDEN);
            admin.error(USER, list(f.user, null, null, null, null), ErrorCode.FORBIDDEN);
            String fromDevice = unique("admin-from-socket");
            KafkaTestSupport.sendFrame(new InboundFrame(f.user, f.sender, f.senderConn, GATEWAY, ADMIN,
                    clientFrame(fromDevice, FrameType.DEAD_LETTERS_ADMIN, null, DeadLetterAdmin.one("purge", dead))));
            assertThat(code(f.deliveries.await("forbidden on a socket", answerTo(f.senderConn, fromDevice)))).isEqualTo("forbidden");
            assertThat(state(dead)).isEqualTo(before);
            assertThat(row(expired2)).containsEntry("status", "EXPIRED");
            admin.error(ADMIN, new DeadLetterAdmin("purge", null, null, null, null, null, null, null), ErrorCode.BAD_FRAME);

            // requeue to an online device: QUEUED with fresh attempts, the sender told, then dispatched
            CommandView requeued = single(admin.page(ADMIN, DeadLetterAdmin.one("requeue", dead)));
            assertThat(requeued.status()).isEqualTo("QUEUED");
            assertThat(requeued.attempt()).isZero();
            assertThat(requeued.deadAt()).isNull();
            assertThat(requeued.error()).isNull();
            Delivery told = f.statuses.await("QUEUED again", f.statusToSender(dead, "QUEUED")
                    .and(d -> payload(d.frame(), CommandStatus.class).version() == 4L));
            assertThat(told.frame().corr()).isNull();
            Delivery again = f.deliveries.await("the requeued command on the runner", commandFrame(f.user, dead));
            assertThat(again.deviceId()).isEqualTo(runner);
            assertThat(payload(again.frame(), CommandDelivery.class).attempt()).isEqualTo(1);
            f.ack(runner, runnerConn, dead);
            f.statuses.await("DELIVERED", f.statusToSender(dead, "DELIVERED"));
            assertThat(row(dead)).containsEntry("status", "DELIVERED");
            assertThat(row(dead).get("dead_at")).isNull();
            admin.error(ADMIN, DeadLetterAdmin.one("requeue", dead), ErrorCode.NOT_FOUND); // no longer a dead letter

            // requeue for an offline device: a fresh ttl, which runs out again
            long requeuedAt = System.currentTimeMillis();
            CommandView fresh = single(admin.page(ADMIN, DeadLetterAdmin.one("requeue", expired1)));
            assertThat(fresh.status()).isEqualTo("QUEUED");
            assertThat(fresh.expiresAt()).as("a fresh ttl of 1 s").isGreaterThanOrEqualTo(requeuedAt + 900);
            Delivery expiredAgain = f.statuses.await("EXPIRED again", f.statusToSender(expired1, "EXPIRED")
                    .and(d -> payload(d.frame(), CommandStatus.class).version() == 4L));
            assertThat(payload(expiredAgain.frame(), CommandStatus.class).attempt()).isZero();
            assertThat(f.statusesOf(expired1)).extracting(CommandStatus::status).containsExactly("QUEUED", "EXPIRED", "QUEUED", "EXPIRED");

            // purge one
            assertThat(single(admin.page(ADMIN, DeadLetterAdmin.one("purge", expired2))).commandId()).isEqualTo(expired2);
            assertThat(StoreTestSupport.count("select count(*) from queue.command where command_id = ?::uuid", expired2)).isZero();
            admin.error(ADMIN, DeadLetterAdmin.one("get", expired2), ErrorCode.NOT_FOUND);
            admin.error(ADMIN, DeadLetterAdmin.one("purge", expired2), ErrorCode.NOT_FOUND);

            // purge in bulk, by user: that user's dead letters only
            CommandsPage purged = admin.page(ADMIN, new DeadLetterAdmin("purge", null, f.user, null, null, null, null, null));
            assertThat(purged.commands()).extracting(CommandView::commandId).containsExactly(expired1);
            assertThat(purged.next()).isNull();
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ? and dead_at is not null", f.user)).isZero();
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ?", f.user))
                    .as("the delivered one stays").isEqualTo(1);
            assertThat(row(othersExpired)).containsEntry("status", "EXPIRED");
            // requeue in bulk, by user and reason: the other user's expired command, once more for a second
            CommandsPage back = admin.page(ADMIN, new DeadLetterAdmin("requeue", null, other.user, null, "EXPIRED", null, null, null));
            assertThat(back.commands()).extracting(CommandView::commandId).containsExactly(othersExpired);
            assertThat(back.commands()).extracting(CommandView::status).containsExactly("QUEUED");
            other.statuses.await("the other sender told", other.statusToSender(othersExpired, "QUEUED")
                    .and(d -> payload(d.frame(), CommandStatus.class).version() == 3L));
            other.statuses.await("EXPIRED again", other.statusToSender(othersExpired, "EXPIRED")
                    .and(d -> payload(d.frame(), CommandStatus.class).version() == 4L));
            assertThat(admin.page(ADMIN, new DeadLetterAdmin("purge", null, other.user, null, "EXPIRED", null, null, null)).commands())
                    .extracting(CommandView::commandId).containsExactly(othersExpired);
            assertThat(StoreTestSupport.count("select count(*) from queue.command where user_id = ?", other.user)).isZero();
            other.awaitOutboxDrained();
            f.awaitOutboxDrained();
        }
    }

    private static DeadLetterAdmin list(String userId, String device, String reason, String after, Integer limit) {
        return new DeadLetterAdmin("list", null, userId, device, reason, null, after, limit);
    }

    /** What an operator's action would change. */
    private static Map<String, Object> state(String commandId) {
        return StoreTestSupport.rows("select status, attempt, version, expires_at, dead_at, last_error, next_attempt_at, updated_at"
                + " from queue.command where command_id = ?::uuid", commandId).get(0);
    }

    private static CommandView single(CommandsPage page) {
        assertThat(page.commands()).hasSize(1);
        return page.commands().get(0);
    }

    private static String code(Delivery answer) {
        assertThat(answer.frame().is(FrameType.ERROR)).as("an error: %s", answer.frame()).isTrue();
        return payload(answer.frame(), ErrorPayload.class).code();
    }

    /** An operator over REST: each request its own connection id, as the gateway makes one per request. */
    private static final class Admin {
        private final CommandFixture f;
        private final String user = unique("operator");

        Admin(CommandFixture f) {
            this.f = f;
        }

        Delivery ask(List<String> roles, DeadLetterAdmin request) {
            String id = unique("admin");
            String connection = "rest-" + unique("req");
            KafkaTestSupport.sendRestFrame(user, connection, roles, clientFrame(id, FrameType.DEAD_LETTERS_ADMIN, null, request));
            Delivery answer = f.deliveries.await("the answer to " + request, answerTo(connection, id));
            assertThat(answer.userId()).isEqualTo(user);
            assertThat(answer.deviceId()).isNull();
            return answer;
        }

        CommandsPage page(List<String> roles, DeadLetterAdmin request) {
            Delivery answer = ask(roles, request);
            assertThat(answer.frame().is(FrameType.COMMANDS)).as("a page: %s", answer.frame()).isTrue();
            return payload(answer.frame(), CommandsPage.class);
        }

        void error(List<String> roles, DeadLetterAdmin request, ErrorCode expected) {
            assertThat(code(ask(roles, request))).as("the answer to %s", request).isEqualTo(expected.wire());
        }
    }
}
