package io.rccs.client.cli;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;

/**
 * Turns a line a person typed into the text to send: a JSON object gets {@code "v":1} and a fresh
 * {@code "id"} when it lacks them (so {@code {"type":"devices.list"}} is enough); anything else is
 * sent exactly as typed, so the server's answer to bad input can be seen; a blank line sends nothing.
 */
public final class LineCompleter {

    private static final ObjectMapper MAPPER = FrameCodec.mapper();

    private LineCompleter() {
    }

    public static Optional<String> complete(String line, Supplier<String> ids) {
        if (line == null || line.isBlank()) {
            return Optional.empty();
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
}
