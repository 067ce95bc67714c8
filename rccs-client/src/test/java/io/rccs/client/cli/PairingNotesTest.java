package io.rccs.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;

class PairingNotesTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private final PairingNotes notes = new PairingNotes("laptop", ZoneOffset.UTC);

    private static ObjectNode json() {
        return FrameCodec.mapper().createObjectNode();
    }

    private String note(FrameType type, ObjectNode payload) {
        return notes.describe(Frame.server("s-1", type, null, payload), NOW).orElse(null);
    }

    @Test
    void aPairingCodeWithItsExpiryAndUri() {
        long expiresAt = NOW.plusSeconds(300).toEpochMilli();
        assertThat(note(FrameType.PAIR_CODE, json().put("code", "ACDEFGHJ").put("expiresAt", expiresAt)
                .put("uri", "rccs://pair?code=ACDEFGHJ")))
                .isEqualTo("pairing code ACDEFGHJ (valid until 10:05:00, 5 min): on the new device type"
                        + " 'claim ACDEFGHJ' or open rccs://pair?code=ACDEFGHJ");
    }

    @Test
    void aRequestSaysHowToAnswerIt() {
        assertThat(note(FrameType.PAIR_REQUEST, json().put("claimId", "cl-1").put("deviceId", "phone")
                .put("name", "Alice's phone").put("kind", "mobile").put("platform", "android")))
                .isEqualTo("device 'phone' (\"Alice's phone\"), mobile on android asks to pair:"
                        + " type 'approve cl-1' or 'deny cl-1'");
        assertThat(note(FrameType.PAIR_REQUEST, json().put("claimId", "cl-2").put("deviceId", "tab").put("name", "tab")))
                .isEqualTo("device 'tab' asks to pair: type 'approve cl-2' or 'deny cl-2'");
    }

    @Test
    void resultsAboutThisDeviceAndOthers() {
        assertThat(note(FrameType.PAIR_RESULT, json().put("deviceId", "laptop").put("approved", true)))
                .isEqualTo("this device is trusted now");
        assertThat(note(FrameType.PAIR_RESULT, json().put("deviceId", "laptop").put("approved", false)))
                .contains("denied", "stays pending");
        assertThat(note(FrameType.PAIR_RESULT, json().put("deviceId", "phone").put("approved", true)))
                .isEqualTo("device 'phone' is trusted now");
        assertThat(note(FrameType.PAIR_RESULT, json().put("deviceId", "phone").put("approved", false)))
                .isEqualTo("device 'phone' was denied");
    }

    @Test
    void aPendingWelcomeAndNotTrustedSayWhatToDo() {
        assertThat(note(FrameType.WELCOME, json().put("trusted", false))).contains("pending", "claim CODE");
        assertThat(note(FrameType.WELCOME, json().put("trusted", true))).isNull();
        assertThat(note(FrameType.ERROR, json().put("code", "not_trusted"))).contains("not trusted");
        assertThat(note(FrameType.ERROR, json().put("code", "not_found"))).isNull();
        assertThat(note(FrameType.PRESENCE, json())).isNull();
        assertThat(notes.describe(new Frame(1, "x", "future.type", null, null, null, null, 1L, json()), NOW)).isEmpty();
    }
}
