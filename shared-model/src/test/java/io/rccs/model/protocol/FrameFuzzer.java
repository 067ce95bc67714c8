package io.rccs.model.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.rccs.model.protocol.payload.Hello;

/**
 * Generators of hostile frame texts for {@link FrameCodecFuzzTest}, all driven by one seeded
 * {@link Random} so that a failing seed reproduces the input. Valid frames of every client type are
 * the starting point: mutating them reaches the payload checks, which random text never does.
 */
final class FrameFuzzer {

    /** A valid payload for every type a client may send; the test checks the list stays complete. */
    static final Map<FrameType, String> VALID_PAYLOADS = validPayloads();
    static final List<FrameType> CLIENT_TYPES = Stream.of(FrameType.values()).filter(FrameType::clientMaySend).toList();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Marks a field name that must appear twice in the text: a JSON tree cannot hold duplicates. */
    private static final String DUPLICATE_MARK = "\uE000dup";
    /** Field names the mutations and random objects use, so that they reach the envelope and payload checks. */
    private static final List<String> FIELD_NAMES = Stream.concat(
            Stream.of("v", "id", "type", "to", "from", "corr", "seq", "ts", "payload"),
            VALID_PAYLOADS.values().stream().flatMap(payload -> {
                List<String> names = new ArrayList<>();
                parse(payload).fieldNames().forEachRemaining(names::add);
                return names.stream();
            })).distinct().toList();
    private static final List<String> TOKENS = List.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\uD800", "\\u0000",
            "\u0000", "1e999", "null", "-", ".", "\n", "\u2028", "\uFFFF", "\uD83D", "/*", "'", "\"v\":1", "\"payload\":{");
    private static final List<String> ODD_NUMBERS = List.of("-0", "0.0", "1E400", "-1e-400", "9223372036854775808",
            "-9223372036854775809", "9007199254740992", "4102444800001", "2147483648", "1.5", "NaN", "Infinity", "-Infinity",
            "01", "+1", "1.", ".5", "0x10", "1e", "--1", "1_000", "1e2147483648");
    private static final List<String> PLAUSIBLE_TEXTS = List.of("r1", "alice-phone", "web", "desktop", "service", "low",
            "critical", "QUEUED", "roo.task@1", "s-1", "message", "ping", "hello", "welcome", "error");
    private static final List<String> NASTY_TEXTS = List.of("", " ", "\t", "roo.task@01", "roo.task@", "@1", "a@1@2", "..",
            "a b", "ümlaut", "\uD800", "\uDFFF", "../../etc/passwd", "${jndi:ldap://x}", "%s%n", "<script>", "' OR 1=1 --",
            "null", "x\u0000y", "line\nbreak", "\u001b[31mred");
    private static final int[] LENGTH_LIMITS = { 15, 16, 17, 63, 64, 65, 127, 128, 129, 4_096, 4_097, 16_384, 16_385, 70_000 };
    private static final long[] LIMIT_NUMBERS = { Long.MIN_VALUE, Long.MAX_VALUE, Hello.MAX_SEQ, Hello.MAX_SEQ + 1,
            Hello.MAX_RESUME_SEQ + 1, (long) Integer.MAX_VALUE + 1, 604_801L, 86_401L, 101L, 501L, 4_102_444_800_001L, -1L, 0L };

    private enum Mutation { REMOVE, REPLACE, ADD, DUPLICATE, RETYPE, SWAP_PAYLOAD }

    /** A frame text and the type of the valid frame it came from. */
    record Mutated(FrameType type, String text) {
    }

    private final Random random;

    FrameFuzzer(Random random) {
        this.random = random;
    }

    private static Map<FrameType, String> validPayloads() {
        Map<FrameType, String> payloads = new EnumMap<>(FrameType.class);
        payloads.put(FrameType.HELLO, """
                {"deviceId":"alice-laptop","name":"Laptop","kind":"desktop","platform":"linux","appVersion":"1.0",
                 "capabilities":["roo.task@1","shell"],"resume":{"lastSeq":7},"credential":"abc_DEF-123"}""");
        payloads.put(FrameType.MESSAGE, """
                {"text":"hi","nested":{"list":[1,2.5,null,true,"x"]}}""");
        payloads.put(FrameType.ACK, """
                {"upTo":42}""");
        payloads.put(FrameType.COMMAND_SUBMIT, """
                {"name":"roo.task.run","args":{"prompt":"fix the build"},"priority":"high","notBefore":1700000000000,
                 "ttlSec":600,"maxAttempts":3,"requires":["roo.task@1"]}""");
        payloads.put(FrameType.COMMAND_ACK, """
                {"commandId":"cmd-1"}""");
        payloads.put(FrameType.COMMAND_RESULT, """
                {"commandId":"cmd-1","ok":false,"output":{"exit":1},"error":"compilation failed"}""");
        payloads.put(FrameType.COMMAND_CANCEL, """
                {"commandId":"cmd-1"}""");
        payloads.put(FrameType.DEVICES_LIST, """
                {"kind":"web","capability":"roo.task@1","online":true,"id":"alice-phone"}""");
        payloads.put(FrameType.DEVICE_RENAME, """
                {"deviceId":"alice-phone","name":"Phone"}""");
        payloads.put(FrameType.DEVICE_REVOKE, """
                {"deviceId":"alice-phone"}""");
        payloads.put(FrameType.PAIR_START, "{}");
        payloads.put(FrameType.PAIR_CLAIM, """
                {"code":"ABCD-1234"}""");
        payloads.put(FrameType.PAIR_APPROVE, """
                {"claimId":"claim-1"}""");
        payloads.put(FrameType.PAIR_DENY, """
                {"claimId":"claim-1"}""");
        payloads.put(FrameType.SESSION_OPEN, """
                {"name":"refactor","state":{"files":["a.java"]},"requires":["roo.task@1"],"failover":true,"graceSec":30}""");
        payloads.put(FrameType.SESSION_JOIN, """
                {"session":"s-1"}""");
        payloads.put(FrameType.SESSION_LIST, """
                {"closed":true}""");
        payloads.put(FrameType.SESSION_CLOSE, """
                {"session":"s-1"}""");
        payloads.put(FrameType.STATE_GET, """
                {"session":"s-1"}""");
        payloads.put(FrameType.STATE_PATCH, """
                {"session":"s-1","baseVersion":3,"ops":[{"op":"add","path":"/files/-","value":"b.java"}]}""");
        payloads.put(FrameType.HANDOFF_REQUEST, """
                {"session":"s-1","to":"alice-phone"}""");
        payloads.put(FrameType.HANDOFF_ACCEPT, """
                {"session":"s-1"}""");
        payloads.put(FrameType.HANDOFF_REJECT, """
                {"session":"s-1"}""");
        payloads.put(FrameType.COMMANDS_QUERY, """
                {"commandId":"cmd-1","status":"QUEUED","device":"alice-phone","after":"cursor","limit":20}""");
        payloads.put(FrameType.AUTH_REFRESH, """
                {"token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"}""");
        payloads.put(FrameType.PING, "{}");
        return payloads;
    }

    /** A valid frame of {@code type}, with every optional envelope field set. */
    static ObjectNode validFrame(FrameType type) {
        ObjectNode frame = NODES.objectNode().put("v", 1).put("id", "f-" + type.wire()).put("type", type.wire());
        if (type == FrameType.MESSAGE || type == FrameType.COMMAND_SUBMIT) {
            frame.put("to", "alice-phone");
        }
        frame.put("corr", "c-1").put("ts", 1_700_000_000_000L);
        frame.set("payload", parse(VALID_PAYLOADS.get(type)));
        return frame;
    }

    // ---- whole inputs

    /** A valid frame of a random client type with zero to four fields removed, replaced, added or duplicated. */
    Mutated mutatedFrame() {
        FrameType type = pick(CLIENT_TYPES);
        ObjectNode frame = validFrame(type);
        int mutations = random.nextInt(5);
        for (int i = 0; i < mutations; i++) {
            mutate(frame, pick(List.of(Mutation.values())));
        }
        return new Mutated(type, write(frame).replace(DUPLICATE_MARK + "\"", "\""));
    }

    /** A valid or mutated frame's text, truncated, cut, spliced or overwritten in one to three places. */
    String damagedFrame() {
        String text = random.nextBoolean() ? write(validFrame(pick(CLIENT_TYPES))) : mutatedFrame().text();
        int times = 1 + random.nextInt(3);
        for (int i = 0; i < times; i++) {
            text = damage(text);
        }
        return text;
    }

    /** Arbitrary JSON, or an object of envelope fields with plausible or arbitrary values. */
    String randomJson() {
        if (random.nextInt(3) == 0) {
            return write(json(4));
        }
        FrameType type = pick(CLIENT_TYPES);
        int fill = random.nextInt(4);
        ObjectNode frame = NODES.objectNode();
        if (fill > 0) {
            frame.put("v", 1).put("id", "r1").put("type", type.wire());
        }
        if (fill > 1) {
            frame.set("payload", parse(VALID_PAYLOADS.get(type)));
        }
        ObjectNode target = fill == 3 ? (ObjectNode) frame.get("payload") : frame;
        int fields = random.nextInt(10);
        for (int i = 0; i < fields; i++) {
            target.set(pick(FIELD_NAMES), random.nextBoolean() ? plausibleValue() : json(3));
        }
        return write(frame);
    }

    /** Random characters, JSON-ish characters, random bytes read as UTF-8 or Latin-1, raw bytes inside a string. */
    String randomText() {
        byte[] bytes = new byte[random.nextInt(400)];
        random.nextBytes(bytes);
        return switch (random.nextInt(5)) {
            case 0 -> randomString(300);
            case 1 -> randomString("{}[]\":,\\ 0123456789.eE+-truefalsn", 200);
            case 2 -> new String(bytes, StandardCharsets.UTF_8);
            case 3 -> new String(bytes, StandardCharsets.ISO_8859_1);
            default -> "{\"v\":1,\"id\":\"b\",\"type\":\"message\",\"payload\":{\"x\":\""
                    + new String(bytes, StandardCharsets.ISO_8859_1) + "\"}}";
        };
    }

    /** Arrays and objects nested past the codec's depth limit, closed or not, alone or inside a frame. */
    String deeplyNested() {
        // up to 7,000 levels (8 characters each at most) stays under the size limit, so that the parser, not the size check, refuses it
        int depth = random.nextBoolean() ? 65 + random.nextInt(200) : 65 + random.nextInt(7_000);
        int shape = random.nextInt(4);
        String open = switch (shape) {
            case 0 -> "[";
            case 3 -> "[{\"b\":";
            default -> "{\"a\":";
        };
        String close = switch (shape) {
            case 0 -> "]";
            case 3 -> "}]";
            default -> "}";
        };
        String nested = open.repeat(depth) + "1" + (random.nextBoolean() ? close.repeat(depth) : "");
        return switch (shape) {
            case 0, 1 -> nested;
            case 2 -> "{\"v\":1,\"id\":\"n\",\"type\":\"message\",\"payload\":{\"x\":" + nested + "}}";
            default -> "{\"v\":1,\"id\":\"n\",\"type\":\"state.patch\",\"payload\":{\"session\":\"s\",\"baseVersion\":1,\"ops\":"
                    + nested + "}}";
        };
    }

    /** A frame with a huge, tiny, malformed or out-of-range number in a numeric field. */
    String oddNumber() {
        String number = switch (random.nextInt(6)) {
            case 0 -> digits(1 + random.nextInt(3_000));
            case 1 -> "-" + digits(1 + random.nextInt(30));
            case 2 -> "1e" + random.nextInt();
            case 3 -> "-9.99E" + random.nextInt();
            case 4 -> "0." + digits(1 + random.nextInt(1_200)) + "e-99999";
            default -> pick(ODD_NUMBERS);
        };
        String template = pick(List.of(
                "{\"v\":%s,\"id\":\"n\",\"type\":\"ping\"}",
                "{\"v\":1,\"id\":\"n\",\"type\":\"ping\",\"ts\":%s}",
                "{\"v\":1,\"id\":\"n\",\"type\":\"ack\",\"payload\":{\"upTo\":%s}}",
                "{\"v\":1,\"id\":\"n\",\"type\":\"hello\",\"payload\":{\"deviceId\":\"d\",\"name\":\"n\",\"kind\":\"web\",\"resume\":{\"lastSeq\":%s}}}",
                "{\"v\":1,\"id\":\"n\",\"type\":\"command.submit\",\"to\":\"d\",\"payload\":{\"name\":\"x\",\"ttlSec\":%s}}",
                "{\"v\":1,\"id\":\"n\",\"type\":\"command.submit\",\"to\":\"d\",\"payload\":{\"name\":\"x\",\"maxAttempts\":%s}}",
                "{\"v\":1,\"id\":\"n\",\"type\":\"command.submit\",\"to\":\"d\",\"payload\":{\"name\":\"x\",\"notBefore\":%s}}",
                "{\"v\":1,\"id\":\"n\",\"type\":\"session.open\",\"payload\":{\"graceSec\":%s}}",
                "{\"v\":1,\"id\":\"n\",\"type\":\"state.patch\",\"payload\":{\"session\":\"s\",\"baseVersion\":%s,\"ops\":[{}]}}",
                "{\"v\":1,\"id\":\"n\",\"type\":\"commands.query\",\"payload\":{\"limit\":%s}}",
                "{\"v\":1,\"id\":\"n\",\"type\":\"message\",\"payload\":{\"x\":[%s]}}"));
        return template.formatted(number);
    }

    /** A string field around the frame size limit, in one- to four-byte characters, escapes or raw control characters. */
    String longString() {
        String unit = pick(List.of("a", "é", "€", "😀", "\\n", "\\u0000", "\u0001"));
        int length = FrameCodec.DEFAULT_MAX_FRAME_BYTES / 3 - 200 + random.nextInt(FrameCodec.DEFAULT_MAX_FRAME_BYTES * 2 / 3 + 400);
        String text = unit.repeat(Math.max(1, length / unit.length()));
        return pick(List.of(
                "{\"v\":1,\"id\":\"l\",\"type\":\"message\",\"to\":\"d\",\"payload\":{\"text\":\"%s\"}}",
                "{\"v\":1,\"id\":\"l\",\"type\":\"auth.refresh\",\"payload\":{\"token\":\"%s\"}}",
                "{\"v\":1,\"id\":\"%s\",\"type\":\"ping\"}",
                "{\"v\":1,\"id\":\"l\",\"type\":\"%s\"}",
                "{\"v\":1,\"id\":\"l\",\"type\":\"command.result\",\"payload\":{\"commandId\":\"c\",\"ok\":true,\"error\":\"%s\"}}",
                "{\"v\":1,\"id\":\"l\",\"type\":\"ping\",\"%s\":1}")).formatted(text);
    }

    // ---- mutation

    private void mutate(ObjectNode frame, Mutation mutation) {
        List<ContainerNode<?>> containers = containers(frame);
        ContainerNode<?> target = containers.get(random.nextInt(containers.size()));
        switch (mutation) {
            case REMOVE -> {
                if (target instanceof ObjectNode object && !object.isEmpty()) {
                    object.remove(fieldOf(object));
                } else if (target instanceof ArrayNode array && !array.isEmpty()) {
                    array.remove(random.nextInt(array.size()));
                }
            }
            case REPLACE -> {
                if (target instanceof ObjectNode object && !object.isEmpty()) {
                    object.set(fieldOf(object), nastyValue());
                } else if (target instanceof ArrayNode array && !array.isEmpty()) {
                    array.set(random.nextInt(array.size()), nastyValue());
                }
            }
            case ADD -> {
                if (target instanceof ObjectNode object) {
                    object.set(random.nextInt(4) == 0 ? "extra" + random.nextInt(3) : pick(FIELD_NAMES), nastyValue());
                } else {
                    ((ArrayNode) target).add(nastyValue());
                }
            }
            case DUPLICATE -> {
                if (target instanceof ObjectNode object && !object.isEmpty()) {
                    String name = fieldOf(object);
                    object.set(name + DUPLICATE_MARK, random.nextBoolean() ? object.get(name).deepCopy() : nastyValue());
                }
            }
            case RETYPE -> frame.set("type", random.nextInt(5) == 0 ? nastyValue() : TextNode.valueOf(pick(List.of(FrameType.values())).wire()));
            case SWAP_PAYLOAD -> frame.set("payload", parse(VALID_PAYLOADS.get(pick(CLIENT_TYPES))));
        }
    }

    /** Every object and array of the tree (the first 64), the frame itself first. */
    private static List<ContainerNode<?>> containers(JsonNode root) {
        List<ContainerNode<?>> found = new ArrayList<>();
        List<JsonNode> pending = new ArrayList<>(List.of(root));
        while (!pending.isEmpty() && found.size() < 64) {
            JsonNode node = pending.remove(pending.size() - 1);
            if (node instanceof ContainerNode<?> container) {
                found.add(container);
                node.elements().forEachRemaining(pending::add);
            }
        }
        return found;
    }

    private String fieldOf(ObjectNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return pick(names);
    }

    private String damage(String text) {
        int at = text.isEmpty() ? 0 : random.nextInt(text.length());
        int end = Math.min(text.length(), at + 1 + random.nextInt(12));
        String insertion = random.nextBoolean() ? pick(TOKENS) : randomString(8);
        return switch (random.nextInt(6)) {
            case 0 -> text.substring(0, at); // truncated
            case 1 -> text.substring(0, at) + text.substring(end); // a range cut out
            case 2 -> text.substring(0, at) + insertion + text.substring(at); // spliced in
            case 3 -> text.substring(0, at) + insertion + text.substring(end); // overwritten
            case 4 -> text.substring(0, end) + text.substring(at); // a range repeated
            default -> text.substring(0, at) + (char) random.nextInt(0x80) + text.substring(Math.min(text.length(), at + 1));
        };
    }

    // ---- values

    /** A value meant to break a field: a wrong type, a limit, control characters, a huge number, a deep tree. */
    JsonNode nastyValue() {
        int roll = random.nextInt(13);
        if (roll < 4) {
            return TextNode.valueOf(nastyString());
        }
        if (roll < 7) {
            return nastyNumber();
        }
        if (roll < 9) {
            return plausibleValue();
        }
        if (roll < 10) {
            return pick(List.of(NullNode.getInstance(), BooleanNode.TRUE, BooleanNode.FALSE, NODES.objectNode(), NODES.arrayNode()));
        }
        if (roll < 12) {
            return json(3);
        }
        JsonNode node = IntNode.valueOf(1);
        int depth = 60 + random.nextInt(140);
        for (int i = 0; i < depth; i++) {
            node = i % 2 == 0 ? NODES.arrayNode().add(node) : NODES.objectNode().set("d", node);
        }
        return node;
    }

    private String nastyString() {
        return switch (random.nextInt(4)) {
            case 0 -> randomString(70);
            case 1 -> "ok" + randomString("\u0000\u0001\u0007\b\t\n\r\u001b\u001f\u007f\u0085\u009f\u2028\u2029\uFEFF", 6);
            case 2 -> "x".repeat(LENGTH_LIMITS[random.nextInt(LENGTH_LIMITS.length)]);
            default -> pick(NASTY_TEXTS);
        };
    }

    private JsonNode nastyNumber() {
        return switch (random.nextInt(6)) {
            case 0 -> LongNode.valueOf(random.nextLong());
            case 1 -> IntNode.valueOf(random.nextInt(5) - 2);
            case 2 -> BigIntegerNode.valueOf(new BigInteger(100, random).subtract(BigInteger.ONE.shiftLeft(99)));
            case 3 -> DoubleNode.valueOf(pick(List.of(random.nextDouble(), -random.nextDouble() * 1e300, Double.MIN_VALUE, -0.0, 0.5)));
            case 4 -> LongNode.valueOf(LIMIT_NUMBERS[random.nextInt(LIMIT_NUMBERS.length)]);
            default -> DecimalNode.valueOf(new BigDecimal(pick(List.of("1e400", "-1e-400", "123456789012345678901234567890.5"))));
        };
    }

    /** A value a field may well hold: it gets a mutation past the first check more often. */
    private JsonNode plausibleValue() {
        return switch (random.nextInt(3)) {
            case 0 -> IntNode.valueOf(pick(List.of(0, 1, 2, 7, 100)));
            case 1 -> TextNode.valueOf(pick(PLAUSIBLE_TEXTS));
            default -> parse(VALID_PAYLOADS.get(pick(CLIENT_TYPES)));
        };
    }

    private JsonNode json(int depth) {
        int roll = depth == 0 ? random.nextInt(4) : random.nextInt(7);
        return switch (roll) {
            case 0 -> TextNode.valueOf(randomString(12));
            case 1 -> IntNode.valueOf(random.nextInt());
            case 2 -> DoubleNode.valueOf(random.nextGaussian() * 1e6);
            case 3 -> pick(List.of(NullNode.getInstance(), BooleanNode.TRUE, BooleanNode.FALSE));
            case 4 -> {
                ArrayNode array = NODES.arrayNode();
                int size = random.nextInt(5);
                for (int i = 0; i < size; i++) {
                    array.add(json(depth - 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                int size = random.nextInt(6);
                for (int i = 0; i < size; i++) {
                    object.set(random.nextBoolean() ? pick(FIELD_NAMES) : randomString(8), json(depth - 1));
                }
                yield object;
            }
        };
    }

    /** Any UTF-16 code units, weighted towards ASCII, control characters and lone surrogates. */
    private String randomString(int maxLength) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(maxLength + 1);
        for (int i = 0; i < length; i++) {
            text.append((char) switch (random.nextInt(5)) {
                case 0 -> random.nextInt(0x20);
                case 1, 2 -> 0x20 + random.nextInt(0x5f);
                case 3 -> 0xD800 + random.nextInt(0x800);
                default -> random.nextInt(0x10000);
            });
        }
        return text.toString();
    }

    private String randomString(String alphabet, int maxLength) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(maxLength + 1);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private String digits(int count) {
        StringBuilder text = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            text.append((char) ('0' + random.nextInt(10)));
        }
        return text.toString();
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
