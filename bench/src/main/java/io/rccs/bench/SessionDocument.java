package io.rccs.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.FrameCodec;

/**
 * The bench session's state document: {@code {"tick":0}} at the open, then grown to exactly the
 * requested size (its compact JSON, as the relay stores and measures it) by patches that each add one
 * string field {@code /blob1}, {@code /blob2}, ... A patch is one client frame, and the gateway refuses
 * frames over 64 KiB, so each adds about {@link #MAX_PATCH_CHARS} characters at most; the patches share the
 * growth evenly (a 64 KiB document: three of about 21.8 KB). {@code /tick} is what the fan-out patches
 * replace.
 */
final class SessionDocument {

    /** The most characters one growth patch adds: its frame stays well under the gateway's 64 KiB. */
    static final int MAX_PATCH_CHARS = 24_000;
    /** The field the fan-out patches replace. */
    static final String TICK = "tick";

    private SessionDocument() {
    }

    /** What {@code session.open} starts with. */
    static ObjectNode initial() {
        return FrameCodec.mapper().createObjectNode().put(TICK, 0);
    }

    /**
     * The JSON Patch op arrays that take {@link #initial()} to a document of exactly {@code targetBytes}
     * bytes, to be applied in order.
     */
    static List<ArrayNode> growth(int targetBytes) {
        int start = bytes(initial());
        int toAdd = targetBytes - start;
        if (toAdd <= 0) {
            return List.of();
        }
        int patches = (toAdd + MAX_PATCH_CHARS - 1) / MAX_PATCH_CHARS;
        List<ArrayNode> ops = new ArrayList<>(patches);
        int added = 0;
        for (int n = 1; n <= patches; n++) {
            String field = "blob" + n;
            // each field adds ,"<field>":"<value>" to the compact document
            int overhead = field.length() + 6;
            int share = n == patches ? toAdd - added : toAdd / patches;
            int valueChars = share - overhead;
            if (valueChars < 0) {
                throw new IllegalArgumentException("a document of " + targetBytes + " bytes is too small to grow by patches");
            }
            ArrayNode patch = FrameCodec.mapper().createArrayNode();
            patch.addObject().put("op", "add").put("path", "/" + field).put("value", filler(n, valueChars));
            ops.add(patch);
            added += share;
        }
        return ops;
    }

    static int bytes(ObjectNode document) {
        return document.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    /** Plain ASCII letters: one byte a character and nothing to escape, so the size is exact. */
    private static String filler(int seed, int chars) {
        StringBuilder text = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) {
            text.append((char) ('a' + (i + seed) % 26));
        }
        return text.toString();
    }
}
