package io.rccs.model.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.payload.Payload;

/**
 * The strict JSON codec of wire protocol v1. {@link #decode} turns any text a client may send into
 * either a valid {@link Frame} or a {@link ProtocolException} with the SPEC 3.1 code, never anything
 * else: no runtime exception escapes for bad input.
 */
public final class FrameCodec {

    /** The default largest frame a client may send, in UTF-8 bytes (SPEC 3.1). */
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
    private static final int MAX_NESTING_DEPTH = 64;
    private static final Set<String> ENVELOPE_FIELDS = Set.of("v", "id", "type", "to", "from", "corr", "seq", "ts", "payload");

    private static final ObjectMapper MAPPER = newMapper();

    private final int maxFrameBytes;

    public FrameCodec(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    public FrameCodec() {
        this(DEFAULT_MAX_FRAME_BYTES);
    }

    /** The mapper the protocol and the event contracts share: strict on input, compact on output. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    private static ObjectMapper newMapper() {
        JsonMapper mapper = JsonMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // payload records ignore fields they do not know, so newer clients keep working
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .build());
        return mapper;
    }

    /** Decodes a client frame, checking the envelope and the payload of its type. */
    public Frame decode(String text) throws ProtocolException {
        if (text == null || exceedsUtf8Bytes(text, maxFrameBytes)) {
            throw new ProtocolException(ErrorCode.TOO_LARGE, "frame is larger than " + maxFrameBytes + " bytes");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "not valid JSON: " + printable(e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "a frame must be a JSON object");
        }
        ObjectNode object = (ObjectNode) root;
        String id = textField(object, "id", null);
        if (id == null || id.isEmpty() || id.length() > Frame.MAX_ID_LENGTH || Payload.hasControlCharacter(id)) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "id must be a string of 1.." + Frame.MAX_ID_LENGTH
                    + " characters without control characters");
        }
        try {
            return decodeEnvelope(object, id);
        } catch (ProtocolException e) {
            throw e.corr() == null ? e.withCorr(id) : e;
        }
    }

    private Frame decodeEnvelope(ObjectNode object, String id) throws ProtocolException {
        for (Iterator<String> names = object.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!ENVELOPE_FIELDS.contains(name)) {
                throw new ProtocolException(ErrorCode.BAD_FRAME, "unknown field '" + printable(name) + "'");
            }
        }
        JsonNode version = object.get("v");
        if (version == null || !version.isInt() || version.intValue() != Frame.VERSION) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "v must be " + Frame.VERSION);
        }
        if (object.has("from") || object.has("seq")) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "from and seq are set by the server only");
        }
        String typeName = textField(object, "type", id);
        if (typeName == null) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "type is required");
        }
        FrameType type = FrameType.fromWire(typeName)
                .filter(FrameType::clientMaySend)
                .orElseThrow(() -> new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + printable(typeName) + "'"));
        String to = textField(object, "to", id);
        if (to != null && (to.isEmpty() || to.length() > Frame.MAX_ID_LENGTH)) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "to must be a device id of 1.." + Frame.MAX_ID_LENGTH + " characters");
        }
        String corr = textField(object, "corr", id);
        if (corr != null && (corr.length() > Frame.MAX_ID_LENGTH || Payload.hasControlCharacter(corr))) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "corr must be a frame id of at most " + Frame.MAX_ID_LENGTH
                    + " characters without control characters");
        }
        JsonNode ts = object.get("ts");
        if (ts != null && !ts.isIntegralNumber()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "ts must be epoch milliseconds");
        }
        JsonNode payload = object.get("payload");
        if (payload != null && !payload.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "payload must be a JSON object");
        }
        Frame frame = new Frame(Frame.VERSION, id, type.wire(), to, null, corr, null,
                ts == null ? null : ts.longValue(), (ObjectNode) payload);
        if (type.payloadClass() != null) {
            payload(frame, type.payloadClass()).validate();
        }
        return frame;
    }

    private static String textField(ObjectNode object, String field, String corr) throws ProtocolException {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, field + " must be a string", corr);
        }
        return node.textValue();
    }

    /** Maps a frame's payload to its record; a shape that does not fit is a {@code bad_frame}. */
    public static <T> T payload(Frame frame, Class<T> type) throws ProtocolException {
        try {
            return MAPPER.treeToValue(frame.payload(), type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String detail = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
            throw new ProtocolException(ErrorCode.BAD_FRAME, "payload does not fit " + frame.type() + ": " + printable(detail), frame.id());
        }
    }

    /** A record or a map as a payload object (null: an empty one). */
    public static ObjectNode toPayload(Object value) {
        return value == null ? MAPPER.createObjectNode() : MAPPER.valueToTree(value);
    }

    /** Encodes a frame as one compact JSON text. */
    public static String encode(Frame frame) {
        try {
            return MAPPER.writeValueAsString(frame);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a frame always serialises", e);
        }
    }

    /** Decodes a frame the server wrote (what a client receives): envelope only, no direction check. */
    public static Frame decodeServerFrame(String text) {
        try {
            return MAPPER.readValue(text, Frame.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an RCCS frame: " + e.getOriginalMessage(), e);
        }
    }

    static boolean exceedsUtf8Bytes(String text, int maxBytes) {
        if (text.length() > maxBytes) {
            return true; // every char is at least one byte
        }
        if ((long) text.length() * 3 <= maxBytes) {
            return false; // and at most three
        }
        return text.getBytes(StandardCharsets.UTF_8).length > maxBytes;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** Convenience for payload records: validate before use on frames that did not come through decode. */
    public static <T extends Payload> T validPayload(Frame frame, Class<T> type) throws ProtocolException {
        T value = payload(frame, type);
        value.validate();
        return value;
    }

    /** Longest piece of client input an error message quotes. */
    static final int MAX_QUOTED = 120;

    /**
     * Client input as an error message may quote it: control characters escaped, so it cannot forge
     * a log line where the message ends up, and cut to {@value #MAX_QUOTED} characters.
     */
    public static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_QUOTED) + 8);
        for (int i = 0; i < text.length() && out.length() < MAX_QUOTED; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                    || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (out.length() >= MAX_QUOTED && text.length() > MAX_QUOTED) {
            out.append('…');
        }
        return out.toString();
    }
}
