package io.rccs.model.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.rccs.model.events.CloudEvent;
import io.rccs.model.events.CommandSubmitRequest;
import io.rccs.model.events.EventTypes;
import io.rccs.model.events.InboxAppend;
import io.rccs.model.protocol.payload.CommandStatus;
import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.model.protocol.payload.CommandView;
import io.rccs.model.protocol.payload.CommandsPage;
import io.rccs.model.protocol.payload.CommandsQuery;
import io.rccs.model.protocol.payload.DeadLetterAdmin;

class CommandContractsTest {

    @Test
    void theDeadLetterFrameIsMadeByRestOnlyAndRefusedOnASocket() {
        assertThat(FrameType.DEAD_LETTERS_ADMIN.restOnly()).isTrue();
        assertThat(FrameType.DEAD_LETTERS_ADMIN.clientMaySend()).isFalse();
        assertThat(FrameType.COMMANDS_QUERY.clientMaySend()).isTrue();
        assertThat(FrameType.COMMANDS.clientMaySend()).isFalse();
        String sent = "{\"v\":1,\"id\":\"a1\",\"type\":\"deadletters.admin\",\"payload\":{\"action\":\"list\"}}";
        assertThatThrownBy(() -> new FrameCodec().decode(sent))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE));
    }

    @Test
    void aQueryHasDefaultsAndBounds() throws ProtocolException {
        CommandsQuery query = new CommandsQuery(null, "QUEUED", "desk", null, null);
        query.validate();
        assertThat(query.limit()).isEqualTo(CommandsQuery.DEFAULT_LIMIT);
        assertThatThrownBy(() -> new CommandsQuery(null, "RUNNING", null, null, null).validate()).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> new CommandsQuery(null, null, null, null, 501).validate()).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> new CommandsQuery(null, null, "a\nb", null, 5).validate()).isInstanceOf(ProtocolException.class);
    }

    @Test
    void aBulkDeadLetterActionNeedsAFilterAndGetNeedsAnId() throws ProtocolException {
        DeadLetterAdmin.one("requeue", "c1").validate();
        new DeadLetterAdmin("purge", null, null, null, "EXPIRED", null, null, 100).validate();
        new DeadLetterAdmin("list", null, null, null, null, null, null, null).validate();
        assertThat(DeadLetterAdmin.one("requeue", null).bulk()).isTrue();
        assertThat(DeadLetterAdmin.one("get", "c1").bulk()).isFalse();
        assertThatThrownBy(() -> DeadLetterAdmin.one("purge", null).validate()).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("needs a filter");
        assertThatThrownBy(() -> DeadLetterAdmin.one("get", null).validate()).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> DeadLetterAdmin.one("erase", "c1").validate()).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> new DeadLetterAdmin("list", null, null, null, "CANCELLED", null, null, null).validate())
                .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> new DeadLetterAdmin("list", null, null, null, null, -1L, null, null).validate())
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void aStatusCarriesItsVersionAndAPageRoundTrips() throws ProtocolException {
        Frame status = Frame.server("s1", FrameType.COMMAND_STATUS, "submit-1",
                FrameCodec.toPayload(new CommandStatus("c1", "QUEUED", "desk", 0, null, null, 1L)));
        Frame back = FrameCodec.decodeServerFrame(FrameCodec.encode(status));
        assertThat(FrameCodec.payload(back, CommandStatus.class).version()).isEqualTo(1L);
        assertThat(CommandStatus.of("c1", "QUEUED", null, null).version()).isNull();

        CommandView view = new CommandView("c1", "alice", "build", null, "high", "DEAD", "phone", "desk", List.of("git"), 3, 3,
                null, 10L, 60L, 1L, 2L, null, 2L, null, "no acknowledgement", 7L);
        Frame page = Frame.server("p1", FrameType.COMMANDS, "q1", FrameCodec.toPayload(new CommandsPage(List.of(view), "cursor")));
        assertThat(FrameCodec.payload(FrameCodec.decodeServerFrame(FrameCodec.encode(page)), CommandsPage.class).commands())
                .containsExactly(view);
    }

    @Test
    void inboxAppendsAndKafkaSubmitsAreCloudEvents() {
        Frame status = Frame.server("s1", FrameType.COMMAND_STATUS, null,
                FrameCodec.toPayload(CommandStatus.of("c1", "DELIVERED", "desk", 1)));
        InboxAppend append = new InboxAppend("alice", "phone", "command-queue", "c1.v3", status);
        assertThat(append.senderDevice()).isEqualTo("@command-queue");
        CloudEvent event = CloudEvent.of(EventTypes.INBOX_APPEND, "/command-queue-service", "alice", append);
        assertThat(CloudEvent.fromJson(event.toJson()).data(InboxAppend.class)).isEqualTo(append);

        CommandSubmitRequest submit = new CommandSubmitRequest("alice", "billing", "k-1", null,
                new CommandSubmit("build", FrameCodec.toPayload(java.util.Map.of("branch", "main")), null, null, null, null, null));
        CloudEvent submitted = CloudEvent.of(EventTypes.COMMAND_SUBMIT, "/billing", "alice", submit);
        assertThat(CloudEvent.fromJson(submitted.toJson()).data(CommandSubmitRequest.class)).isEqualTo(submit);
    }
}
