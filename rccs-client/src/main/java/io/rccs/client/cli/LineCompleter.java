package io.rccs.client.cli;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.client.Pairing;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;

/**
 * Turns a line a person typed into the text to send: a JSON object gets {@code "v":1} and a fresh
 * {@code "id"} when it lacks them (so {@code {"type":"devices.list"}} is enough); the pairing
 * commands {@code pair}, {@code claim CODE}, {@code approve CLAIMID} and {@code deny CLAIMID}
 * become their frames; anything else is sent exactly as typed, so the server's answer to bad input
 * can be seen; a blank line sends nothing.
 */
public final class LineCompleter {

    private static final ObjectMapper MAPPER = FrameCodec.mapper();

    private LineCompleter() {
    }

    /**
     * @throws IllegalArgumentException for a pairing command used wrongly (the message says how);
     *         nothing is to be sent then
     */
    public static Optional<String> complete(String line, Supplier<String> ids) {
        if (line == null || line.isBlank()) {
            return Optional.empty();
        }
        Optional<ObjectNode> command = command(line.strip().split("\\s+"), ids);
        if (command.isPresent()) {
            return Optional.of(command.get().toString());
        }
        JsonNode parsed;
        try {
            parsed = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            return Optional.of(line);
        }
        if (parsed == null || !parsed.isObject()) {
            return Optional.of(line);
        }
        ObjectNode typed = (ObjectNode) parsed;
        ObjectNode frame = MAPPER.createObjectNode();
        if (typed.has("v")) {
            frame.set("v", typed.get("v"));
        } else {
            frame.put("v", Frame.VERSION);
        }
        if (typed.has("id")) {
            frame.set("id", typed.get("id"));
        } else {
            frame.put("id", ids.get());
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = typed.fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!frame.has(field.getKey())) {
                frame.set(field.getKey(), field.getValue());
            }
        }
        try {
            return Optional.of(MAPPER.writeValueAsString(frame));
        } catch (JsonProcessingException e) {
            return Optional.of(line); // cannot happen for a tree that was just parsed
        }
    }

    /** The frame a pairing command stands for, or empty when the line is no such command. */
    private static Optional<ObjectNode> command(String[] words, Supplier<String> ids) {
        String verb = words[0].toLowerCase(Locale.ROOT);
        ObjectNode payload = MAPPER.createObjectNode();
        FrameType type;
        switch (verb) {
            case "pair" -> {
                requireArguments(words, 0, "pair");
                type = FrameType.PAIR_START;
            }
            case "claim" -> {
                if (words.length < 2) {
                    throw new IllegalArgumentException("usage: claim CODE");
                }
                type = FrameType.PAIR_CLAIM;
                // a code read out in groups ("ACDE FGHJ") is still one code
                payload.put("code", Pairing.codeOf(String.join("", Arrays.asList(words).subList(1, words.length))));
            }
            case "approve", "deny" -> {
                requireArguments(words, 1, verb + " CLAIMID");
                type = verb.equals("approve") ? FrameType.PAIR_APPROVE : FrameType.PAIR_DENY;
                payload.put("claimId", words[1]);
            }
            default -> {
                return Optional.empty();
            }
        }
        ObjectNode frame = MAPPER.createObjectNode();
        frame.put("v", Frame.VERSION);
        frame.put("id", ids.get());
        frame.put("type", type.wire());
        frame.set("payload", payload);
        return Optional.of(frame);
    }

    private static void requireArguments(String[] words, int count, String usage) {
        if (words.length != count + 1) {
            throw new IllegalArgumentException("usage: " + usage);
        }
    }
}
