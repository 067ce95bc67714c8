package io.rccs.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.FrameCodec;

class LineCompleterTest {

    private final Supplier<String> ids = () -> "gen-1";

    private static JsonNode json(Optional<String> text) throws Exception {
        assertThat(text).isPresent();
        return FrameCodec.mapper().readTree(text.get());
    }

    @Test
    void blankLinesSendNothing() {
        assertThat(LineCompleter.complete("", ids)).isEmpty();
        assertThat(LineCompleter.complete("   \t", ids)).isEmpty();
        assertThat(LineCompleter.complete(null, ids)).isEmpty();
    }

    @Test
    void addsVersionAndIdWhenMissing() throws Exception {
        JsonNode frame = json(LineCompleter.complete("{\"type\":\"devices.list\"}", ids));
        assertThat(frame.get("v").intValue()).isEqualTo(1);
        assertThat(frame.get("id").textValue()).isEqualTo("gen-1");
        assertThat(frame.get("type").textValue()).isEqualTo("devices.list");
        assertThat(frame.size()).isEqualTo(3);
    }

    @Test
    void putsVersionAndIdFirstAndKeepsTheRest() {
        String text = LineCompleter.complete(
                "{\"type\":\"message\",\"to\":\"phone\",\"payload\":{\"text\":\"hi\"}}", ids).orElseThrow();
        assertThat(text).isEqualTo(
                "{\"v\":1,\"id\":\"gen-1\",\"type\":\"message\",\"to\":\"phone\",\"payload\":{\"text\":\"hi\"}}");
    }

    @Test
    void keepsWhatTheUserGave() throws Exception {
        JsonNode frame = json(LineCompleter.complete("{\"id\":\"mine\",\"v\":2,\"type\":\"ping\"}", () -> {
            throw new AssertionError("no id needed");
        }));
        assertThat(frame.get("id").textValue()).isEqualTo("mine");
        assertThat(frame.get("v").intValue()).isEqualTo(2); // the server answers bad_frame; the user sees it
    }

    @Test
    void addsOnlyTheMissingOne() throws Exception {
        JsonNode frame = json(LineCompleter.complete("{\"id\":\"p1\",\"type\":\"ping\"}", ids));
        assertThat(frame.get("v").intValue()).isEqualTo(1);
        assertThat(frame.get("id").textValue()).isEqualTo("p1");
    }

    @Test
    void sendsWhatIsNotAJsonObjectAsTyped() {
        assertThat(LineCompleter.complete("not json", ids)).contains("not json");
        assertThat(LineCompleter.complete("[1,2]", ids)).contains("[1,2]");
        assertThat(LineCompleter.complete("42", ids)).contains("42");
        assertThat(LineCompleter.complete("{\"type\":", ids)).contains("{\"type\":");
        assertThat(LineCompleter.complete("{\"a\":1} trailing", ids)).contains("{\"a\":1} trailing");
    }

    @Test
    void aLineWithSurroundingSpaceIsStillJson() throws Exception {
        JsonNode frame = json(LineCompleter.complete("   {\"type\":\"ping\"}  ", ids));
        assertThat(frame.get("id").textValue()).isEqualTo("gen-1");
    }

    @Test
    void pairingCommandsBecomeTheirFrames() throws Exception {
        JsonNode start = json(LineCompleter.complete("pair", ids));
        assertThat(start.get("type").textValue()).isEqualTo("pair.start");
        assertThat(start.get("id").textValue()).isEqualTo("gen-1");
        assertThat(start.get("v").intValue()).isEqualTo(1);
        assertThat(start.get("payload").size()).isZero();

        JsonNode claim = json(LineCompleter.complete("  claim acde fghj ", ids));
        assertThat(claim.get("type").textValue()).isEqualTo("pair.claim");
        assertThat(claim.get("payload").get("code").textValue()).isEqualTo("ACDEFGHJ");
        assertThat(json(LineCompleter.complete("claim rccs://pair?code=ACDE", ids)).get("payload").get("code").textValue())
                .isEqualTo("ACDE");

        JsonNode approve = json(LineCompleter.complete("approve cl-1", ids));
        assertThat(approve.get("type").textValue()).isEqualTo("pair.approve");
        assertThat(approve.get("payload").get("claimId").textValue()).isEqualTo("cl-1");
        JsonNode deny = json(LineCompleter.complete("DENY cl-2", ids));
        assertThat(deny.get("type").textValue()).isEqualTo("pair.deny");
        assertThat(deny.get("payload").get("claimId").textValue()).isEqualTo("cl-2");
    }

    @Test
    void aMisusedCommandSaysHowToUseIt() {
        assertThatThrownBy(() -> LineCompleter.complete("claim", ids)).hasMessage("usage: claim CODE");
        assertThatThrownBy(() -> LineCompleter.complete("approve", ids)).hasMessage("usage: approve CLAIMID");
        assertThatThrownBy(() -> LineCompleter.complete("deny a b", ids)).hasMessage("usage: deny CLAIMID");
        assertThatThrownBy(() -> LineCompleter.complete("pair now", ids)).hasMessage("usage: pair");
        assertThatThrownBy(() -> LineCompleter.complete("claim a/b", ids)).hasMessageContaining("not a pairing code");
    }
}
