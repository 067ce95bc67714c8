package io.rccs.queue;

import static io.rccs.queue.KafkaTestSupport.answerTo;
import static io.rccs.queue.KafkaTestSupport.clientFrame;
import static io.rccs.queue.KafkaTestSupport.frameFor;
import static io.rccs.queue.KafkaTestSupport.payload;
import static io.rccs.queue.KafkaTestSupport.sendFrame;
import static io.rccs.queue.KafkaTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.rccs.model.events.Delivery;
import io.rccs.model.protocol.ErrorCode;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.model.protocol.payload.CommandView;
import io.rccs.model.protocol.payload.CommandsPage;
import io.rccs.model.protocol.payload.CommandsQuery;
import io.rccs.model.protocol.payload.ErrorPayload;

/**
 * {@code commands.query} (a device's, and REST's GET /v1/commands as the gateway hands it over): the
 * user's own commands only, one by id or pages filtered by status and device, newest first, with a
 * {@code next} cursor.
 */
@QuarkusTest
class CommandQueryTest {

    private static final List<String> TASK = List.of("roo.task@1");

    @Inject
    RedisDataSource redis;

    @Test
    void aUserReadsTheirOwnCommandsByIdOrInFilteredPages() {
        try (CommandFixture f = new CommandFixture(redis); CommandFixture other = new CommandFixture(redis)) {
            f.targetKnownOffline();
            other.targetKnownOffline();
            List<String> forTarget = new ArrayList<>(); // in submit order
            for (int i = 0; i < 5; i++) {
                forTarget.add(f.submitQueued("q-" + i, f.target, new CommandSubmit("job-" + i, KafkaTestSupport.payloadOf(Map.of("i", i)),
                        i == 4 ? "critical" : "normal", null, null, null, null)));
            }
            String cancelled = forTarget.get(1);
            f.cancel("cancel-q-1", cancelled);
            f.statuses.await("CANCELLED", f.statusToSender(cancelled, "CANCELLED"));
            String helper = unique("helper");
            String helperConn = unique("conn");
            f.deviceOnline(helper, helperConn, "desktop", TASK);
            String forHelper = f.submitQueued("h-0", helper, new CommandSubmit("notify", null, "low", null, null, null, null));
            f.ack(helper, helperConn, forHelper);
            f.statuses.await("DELIVERED", f.statusToSender(forHelper, "DELIVERED"));
            String othersCommand = other.submitQueued("o-0", other.target, new CommandSubmit("lint", null, "normal", null, null, null, null));

            // one by id, from a device of the user
            CommandView one = single(fromDevice(f, new CommandsQuery(forTarget.get(4), null, null, null, null)));
            assertThat(one.commandId()).isEqualTo(forTarget.get(4));
            assertThat(one.userId()).isEqualTo(f.user);
            assertThat(one.name()).isEqualTo("job-4");
            assertThat(one.args().get("i").asInt()).isEqualTo(4);
            assertThat(one.priority()).isEqualTo("critical");
            assertThat(one.status()).isEqualTo("QUEUED");
            assertThat(one.sender()).isEqualTo(f.sender);
            assertThat(one.target()).isEqualTo(f.target);
            assertThat(one.attempt()).isZero();
            assertThat(one.version()).isEqualTo(1L);
            assertThat(one.expiresAt()).isGreaterThan(one.createdAt());
            // the same over REST
            assertThat(single(fromRest(f, new CommandsQuery(forHelper, null, null, null, null))).status()).isEqualTo("DELIVERED");

            // filtered pages, newest first
            assertThat(fromRest(f, new CommandsQuery(null, "QUEUED", f.target, null, null)).commands())
                    .extracting(CommandView::commandId)
                    .containsExactly(forTarget.get(4), forTarget.get(3), forTarget.get(2), forTarget.get(0));
            assertThat(fromDevice(f, new CommandsQuery(null, "CANCELLED", null, null, null)).commands())
                    .extracting(CommandView::commandId).containsExactly(cancelled);
            assertThat(fromRest(f, new CommandsQuery(null, null, helper, null, null)).commands())
                    .as("by target device").extracting(CommandView::commandId).containsExactly(forHelper);
            assertThat(fromRest(f, new CommandsQuery(null, null, f.sender, null, null)).commands())
                    .as("by sending device").hasSize(6);
            assertThat(fromRest(f, new CommandsQuery(null, "EXPIRED", null, null, null)).commands()).isEmpty();

            // paging by two over the target's five
            List<String> paged = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            String after = null;
            do {
                CommandsPage page = fromRest(f, new CommandsQuery(null, null, f.target, after, 2));
                page.commands().forEach(c -> paged.add(c.commandId()));
                sizes.add(page.commands().size());
                after = page.next();
            } while (after != null && sizes.size() < 10);
            assertThat(sizes).containsExactly(2, 2, 1);
            List<String> newestFirst = new ArrayList<>(forTarget);
            java.util.Collections.reverse(newestFirst);
            assertThat(paged).containsExactlyElementsOf(newestFirst);

            // another user's command, by id: as if it did not exist
            assertThat(fromDevice(f, new CommandsQuery(othersCommand, null, null, null, null)).commands()).isEmpty();
            assertThat(fromRest(f, new CommandsQuery(othersCommand, null, null, null, null)).commands()).isEmpty();
            assertThat(fromRest(f, new CommandsQuery("not-a-command-id", null, null, null, null)).commands()).isEmpty();
            assertThat(fromRest(other, new CommandsQuery(null, null, null, null, null)).commands()).extracting(CommandView::commandId)
                    .containsExactly(othersCommand);

            // a cursor that is not one, and a bad filter: bad_frame
            assertThat(errorFromRest(f, new CommandsQuery(null, null, null, "garbage", null))).isEqualTo(ErrorCode.BAD_FRAME.wire());
            assertThat(errorFromRest(f, new CommandsQuery(null, "RUNNING", null, null, null))).isEqualTo(ErrorCode.BAD_FRAME.wire());
            f.awaitOutboxDrained();
        }
    }

    private static CommandsPage fromDevice(CommandFixture f, CommandsQuery query) {
        String id = unique("query");
        sendFrame(f.user, f.sender, f.senderConn, clientFrame(id, FrameType.COMMANDS_QUERY, null, query));
        Delivery answer = f.deliveries.await("the answer to " + query, frameFor(f.user, f.sender, FrameType.COMMANDS)
                .and(d -> id.equals(d.frame().corr())));
        assertThat(answer.connectionId()).isEqualTo(f.senderConn);
        return payload(answer.frame(), CommandsPage.class);
    }

    private static Delivery askRest(CommandFixture f, CommandsQuery query) {
        String id = unique("query");
        String connection = "rest-" + unique("req");
        KafkaTestSupport.sendRestFrame(f.user, connection, List.of("rccs-user"), clientFrame(id, FrameType.COMMANDS_QUERY, null, query));
        Delivery answer = f.deliveries.await("the REST answer to " + query, answerTo(connection, id));
        assertThat(answer.userId()).isEqualTo(f.user);
        assertThat(answer.deviceId()).isNull();
        return answer;
    }

    private static CommandsPage fromRest(CommandFixture f, CommandsQuery query) {
        Delivery answer = askRest(f, query);
        assertThat(answer.frame().is(FrameType.COMMANDS)).as("a page: %s", answer.frame()).isTrue();
        return payload(answer.frame(), CommandsPage.class);
    }

    private static String errorFromRest(CommandFixture f, CommandsQuery query) {
        Delivery answer = askRest(f, query);
        assertThat(answer.frame().is(FrameType.ERROR)).as("an error: %s", answer.frame()).isTrue();
        return payload(answer.frame(), ErrorPayload.class).code();
    }

    private static CommandView single(CommandsPage page) {
        assertThat(page.commands()).hasSize(1);
        return page.commands().get(0);
    }
}
