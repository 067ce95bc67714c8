package io.rccs.model.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.rccs.model.events.InboundFrame;
import io.rccs.model.protocol.payload.Capabilities;
import io.rccs.model.protocol.payload.DeviceRename;
import io.rccs.model.protocol.payload.DeviceRevoke;
import io.rccs.model.protocol.payload.DevicesList;
import io.rccs.model.protocol.payload.Hello;
import io.rccs.model.protocol.payload.PairCode;
import io.rccs.model.protocol.payload.Welcome;

/** The device identity and discovery contracts: the capability rule, credentials, the new payloads. */
class DeviceContractsTest {

    @ParameterizedTest
    @CsvSource({
            "roo.task@1, roo.task@1, true",
            "roo.task@2, roo.task@1, false",
            "roo.task, roo.task@1, false",
            "roo.task@1, roo.task, true",
            "roo.task, roo.task, true",
            "roo.tasks@1, roo.task, false",
            "roo.task@10, roo.task@1, false"})
    void aRequirementIsMetBySameNameAndMajor(String offered, String required, boolean met) {
        assertThat(Capabilities.meets(offered, required)).isEqualTo(met);
    }

    @Test
    void everyRequirementMustBeMet() {
        assertThat(Capabilities.allMet(List.of("roo.task@1", "notify"), List.of("roo.task@1", "notify"))).isTrue();
        assertThat(Capabilities.allMet(List.of("roo.task@1"), List.of("roo.task@1", "notify"))).isFalse();
        assertThat(Capabilities.allMet(List.of(), List.of())).isTrue();
        assertThat(Capabilities.meets(null, "x")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"@1", "a@01", "a@1@2", "a b", "a@", ""})
    void malformedCapabilitiesAreRefused(String capability) {
        assertThat(Capabilities.valid(capability)).isFalse();
        Hello hello = new Hello("d", "n", "desktop", null, null, List.of(capability), null);
        assertThatThrownBy(hello::validate).isInstanceOf(ProtocolException.class);
    }

    @Test
    void aCredentialIsBase64UrlAndIsLeftOutWhenPassedOn() throws ProtocolException {
        Hello hello = new Hello("d", "n", "desktop", null, null, List.of("roo.task@1"), null, "abc_DEF-123");
        hello.validate();
        assertThat(hello.withoutCredential().credential()).isNull();
        assertThat(hello.withoutCredential().deviceId()).isEqualTo("d");
        assertThatThrownBy(new Hello("d", "n", "desktop", null, null, List.of(), null, "not base64url!")::validate)
                .isInstanceOf(ProtocolException.class).hasMessageContaining("base64url");
        assertThatThrownBy(new Hello("d", "n", "desktop", null, null, List.of(), null, "a".repeat(129))::validate)
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void theNewPayloadsCheckTheirFields() throws ProtocolException {
        new DevicesList("desktop", "roo.task@1", true, "desk").validate();
        assertThatThrownBy(new DevicesList(null, "bad@cap@x", null)::validate).isInstanceOf(ProtocolException.class);
        new DeviceRename("desk", "My desk").validate();
        assertThatThrownBy(new DeviceRename("desk", "x".repeat(129))::validate).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(new DeviceRename(null, "x")::validate).isInstanceOf(ProtocolException.class);
        new DeviceRevoke("desk").validate();
        assertThatThrownBy(new DeviceRevoke(" ")::validate).isInstanceOf(ProtocolException.class);
        assertThat(PairCode.uriOf("ACDEFGHJ")).isEqualTo("rccs://pair?code=ACDEFGHJ");
        assertThat(ErrorCode.fromWire("not_trusted")).contains(ErrorCode.NOT_TRUSTED);
        assertThat(ErrorCode.fromWire("nope")).isEmpty();
        assertThat(FrameType.fromWire("device.revoke")).contains(FrameType.DEVICE_REVOKE);
    }

    @Test
    void theWelcomeCarriesACredentialOnlyWhenIssuedAndTheInboundHashRoundTrips() {
        assertThat(FrameCodec.toPayload(new Welcome("c", "d", true, 15, false, 0)).has("credential")).isFalse();
        assertThat(FrameCodec.toPayload(new Welcome("c", "d", true, 15, false, 0, "secret")).path("credential").asText())
                .isEqualTo("secret");
        Frame hello = Frame.client("h", FrameType.HELLO, null, null);
        InboundFrame in = new InboundFrame("u", "d", "c", 0, List.of(), hello, "hash", true);
        String json = io.rccs.model.events.CloudEvent.of("t", "/s", "u", in).toJson();
        InboundFrame back = io.rccs.model.events.CloudEvent.fromJson(json).data(InboundFrame.class);
        assertThat(back.credentialHash()).isEqualTo("hash");
        assertThat(back.credentialIssued()).isTrue();
        assertThat(new InboundFrame("u", null, "rest-1", 0, List.of(), hello).credentialHash()).isNull();
    }
}
