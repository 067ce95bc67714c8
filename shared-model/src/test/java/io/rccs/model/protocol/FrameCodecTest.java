package io.rccs.model.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.rccs.model.protocol.payload.CommandSubmit;
import io.rccs.model.protocol.payload.Hello;

class FrameCodecTest {

    private final FrameCodec codec = new FrameCodec();

    private static final String HELLO = """
            {"v":1,"id":"h1","type":"hello","payload":{"deviceId":"alice-laptop","name":"Laptop","kind":"desktop",
             "platform":"linux","appVersion":"1.0","capabilities":["roo.task@1"],"resume":{"lastSeq":7}}}""";

    @Test
    void decodesAValidHelloAndItsPayload() throws Exception {
        Frame frame = codec.decode(HELLO);
        assertThat(frame.is(FrameType.HELLO)).isTrue();
        assertThat(frame.id()).isEqualTo("h1");
        Hello hello = FrameCodec.payload(frame, Hello.class);
        assertThat(hello.deviceId()).isEqualTo("alice-laptop");
        assertThat(hello.capabilities()).containsExactly("roo.task@1");
        assertThat(hello.resume().lastSeq()).isEqualTo(7L);
    }

    @Test
    void appliesCommandDefaults() throws Exception {
        Frame frame = codec.decode("{\"v\":1,\"id\":\"c1\",\"type\":\"command.submit\",\"to\":\"d\",\"payload\":{\"name\":\"run\"}}");
        CommandSubmit submit = FrameCodec.payload(frame, CommandSubmit.class);
        assertThat(submit.priority()).isEqualTo("normal");
        assertThat(submit.ttlSec()).isEqualTo(86_400L);
        assertThat(submit.maxAttempts()).isEqualTo(10);
        assertThat(frame.to()).isEqualTo("d");
    }

    @Test
    void encodesAndDecodesServerFramesRoundTrip() {
        Frame frame = Frame.server("s1", FrameType.PONG, "p1", null).withFrom("x").withSeq(3L);
        String text = FrameCodec.encode(frame);
        assertThat(text).doesNotContain("\"to\"");
        Frame back = FrameCodec.decodeServerFrame(text);
        assertThat(back).isEqualTo(frame);
    }

    @ParameterizedTest
    @ValueSource(strings = { "not json", "{", "[1,2]", "42", "\"text\"", "null", "", "{\"v\":1,\"id\":\"a\",\"type\":\"ping\"} trailing" })
    void rejectsTextThatIsNotAJsonObject(String text) {
        assertCode(text, ErrorCode.BAD_FRAME);
    }

    @Test
    void rejectsMissingOrInvalidEnvelopeFields() {
        assertCode("{\"v\":1,\"type\":\"ping\"}", ErrorCode.BAD_FRAME); // no id
        assertCode("{\"v\":1,\"id\":\"\",\"type\":\"ping\"}", ErrorCode.BAD_FRAME);
        assertCode("{\"v\":1,\"id\":\"" + "x".repeat(65) + "\",\"type\":\"ping\"}", ErrorCode.BAD_FRAME);
        assertCode("{\"v\":1,\"id\":7,\"type\":\"ping\"}", ErrorCode.BAD_FRAME);
        assertCodeAndCorr("{\"v\":2,\"id\":\"a\",\"type\":\"ping\"}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"id\":\"a\",\"type\":\"ping\"}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\"}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"ping\",\"payload\":[]}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"ping\",\"ts\":\"now\"}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"ping\",\"extra\":1}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"message\",\"from\":\"me\"}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"message\",\"seq\":1}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"ping\",\"id\":\"b\"}", ErrorCode.BAD_FRAME, null);
    }

    @Test
    void rejectsUnknownAndServerOnlyTypes() {
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"teleport\"}", ErrorCode.UNKNOWN_TYPE, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"welcome\"}", ErrorCode.UNKNOWN_TYPE, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"command.status\"}", ErrorCode.UNKNOWN_TYPE, "a");
    }

    @Test
    void rejectsPayloadsThatBreakTheirType() {
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"hello\",\"payload\":{\"name\":\"n\",\"kind\":\"desktop\"}}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"hello\",\"payload\":{\"deviceId\":\"d\",\"name\":\"n\",\"kind\":\"toaster\"}}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"hello\",\"payload\":{\"deviceId\":\"a b\",\"name\":\"n\",\"kind\":\"web\"}}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"hello\",\"payload\":{\"deviceId\":\"d\",\"name\":\"n\",\"kind\":\"web\",\"capabilities\":\"x\"}}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"command.submit\",\"payload\":{\"name\":\"x\",\"priority\":\"urgent\"}}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"command.submit\",\"payload\":{\"name\":\"x\",\"ttlSec\":604801}}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"command.submit\",\"payload\":{\"name\":\"x\",\"maxAttempts\":\"many\"}}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"command.ack\",\"payload\":{}}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"ack\",\"payload\":{\"upTo\":-1}}", ErrorCode.BAD_FRAME, "a");
        assertCodeAndCorr("{\"v\":1,\"id\":\"a\",\"type\":\"state.patch\",\"payload\":{\"session\":\"s\",\"baseVersion\":1,\"ops\":{}}}", ErrorCode.BAD_FRAME, "a");
    }

    @Test
    void rejectsOversizedFramesCountingUtf8Bytes() throws Exception {
        FrameCodec small = new FrameCodec(100);
        String ascii = "{\"v\":1,\"id\":\"a\",\"type\":\"message\",\"payload\":{\"t\":\"" + "x".repeat(40) + "\"}}";
        assertThat(small.decode(ascii).id()).isEqualTo("a");
        // the same length in characters, but each 'é' is two bytes in UTF-8
        String multibyte = ascii.replace("x".repeat(40), "é".repeat(40));
        assertThatThrownBy(() -> small.decode(multibyte)).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE));
        assertCode("{\"v\":1,\"id\":\"a\",\"type\":\"message\",\"payload\":{\"t\":\"" + "x".repeat(70_000) + "\"}}", ErrorCode.TOO_LARGE);
    }

    @Test
    void rejectsDeeplyNestedJsonWithoutBlowingTheStack() {
        String deep = "{\"v\":1,\"id\":\"a\",\"type\":\"message\",\"payload\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_001);
        assertCode(deep, ErrorCode.BAD_FRAME);
    }

    @Test
    void messageBodiesAreFreeForm() throws Exception {
        Frame frame = codec.decode("{\"v\":1,\"id\":\"m\",\"type\":\"message\",\"to\":\"phone\",\"payload\":{\"anything\":[1,{\"x\":null}]}}");
        assertThat(frame.payload().get("anything").size()).isEqualTo(2);
        assertThat(frame.to()).isEqualTo("phone");
    }

    private void assertCode(String text, ErrorCode code) {
        assertThatThrownBy(() -> codec.decode(text)).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    private void assertCodeAndCorr(String text, ErrorCode code, String corr) {
        assertThatThrownBy(() -> codec.decode(text)).isInstanceOfSatisfying(ProtocolException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.corr()).isEqualTo(corr);
            assertThat(e.getMessage()).isNotBlank();
        });
    }

    @Test
    void clientInputQuotedInAnErrorIsEscapedAndCut() {
        FrameCodec codec = new FrameCodec(65_536);
        assertThatThrownBy(() -> codec.decode("{\"v\":1,\"id\":\"a\",\"type\":\"x\\n2026 INFO forged\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
                    assertThat(e.getMessage()).doesNotContain("\n").contains("\\u000a");
                });
        assertThatThrownBy(() -> codec.decode("{\"v\":1,\"id\":\"a\",\"" + "f".repeat(5_000) + "\":1}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.getMessage().length()).isLessThan(200));
        assertThat(FrameCodec.printable("a\u2028b\u0000")).isEqualTo("a\\u2028b\\u0000");
    }
}
