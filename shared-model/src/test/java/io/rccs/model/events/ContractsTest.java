package io.rccs.model.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameType;

class ContractsTest {

    @Test
    void cloudEventsRoundTripWithTheirData() {
        Frame frame = Frame.client("m1", FrameType.MESSAGE, "phone", null);
        InboundFrame inbound = new InboundFrame("user-1", "laptop", "conn-1", 1, List.of("rccs-user"), frame);
        CloudEvent event = CloudEvent.of(EventTypes.FRAME_RECEIVED, "/rccs-gateway/1", "user-1", inbound);

        CloudEvent back = CloudEvent.fromJson(event.toJson());

        assertThat(back.specversion()).isEqualTo("1.0");
        assertThat(back.datacontenttype()).isEqualTo("application/json");
        assertThat(back.id()).isEqualTo(event.id());
        assertThat(back.data(InboundFrame.class)).isEqualTo(inbound);
    }

    @Test
    void rejectsRecordsThatAreNotCloudEvents() {
        assertThatThrownBy(() -> CloudEvent.fromJson("{\"hello\":1}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CloudEvent.fromJson("garbage")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CloudEvent.fromJson("{\"specversion\":\"0.3\",\"id\":\"1\",\"type\":\"t\"}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDeploymentCreatesExactlyTheTopicsTheContractsName() throws Exception {
        Path conf = Path.of("..", "deploy", "topics.conf");
        Set<String> deployed = Files.readAllLines(conf).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .map(line -> line.split("\\s+")[0])
                .collect(Collectors.toSet());
        assertThat(deployed).containsExactlyInAnyOrder(Topics.FRAMES_IN, Topics.DELIVERIES, Topics.DEVICE_EVENTS,
                Topics.COMMAND_EVENTS, Topics.DEAD_LETTERS, Topics.COMMANDS_IN, Topics.COMMANDS_SUBMIT,
                Topics.COMMAND_DEAD_LETTERS, Topics.SESSION_EVENTS);
    }
}
