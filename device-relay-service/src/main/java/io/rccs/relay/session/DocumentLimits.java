package io.rccs.relay.session;

import java.util.EnumSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.flipkart.zjsonpatch.CompatibilityFlags;
import com.flipkart.zjsonpatch.JsonPatch;

/**
 * Keeps a patched document within its limits while the patch is applied, not only after: a
 * {@code copy} of the document into itself doubles it, so forty of them in one patch would exhaust
 * the heap before a size check at the end could refuse it. And a bounded depth, because every frame
 * that carries the document wraps it in a few levels more, and the codecs refuse JSON nested deeper
 * than {@code FrameCodec.MAX_NESTING_DEPTH} (64).
 */
final class DocumentLimits {

    /** The deepest a document may nest: what the frame and event envelopes add still fits the codecs' 64. */
    static final int MAX_DEPTH = 48;

    /** A patch that would make the document larger than allowed. */
    static final class TooLarge extends RuntimeException {
        TooLarge(String message) {
            super(message, null, false, false);
        }
    }

    /** A value nested deeper than {@link #MAX_DEPTH}. */
    static final class TooDeep extends RuntimeException {
        TooDeep(String message) {
            super(message, null, false, false);
        }
    }

    private DocumentLimits() {
    }

    /**
     * Applies the operations one at a time to a copy of {@code document}. Every operation's own value
     * counts towards an upper bound of the size; a {@code copy} (whose size the operation does not
     * show) makes the bound exact by measuring. Past {@code maxBytes} it stops with {@link TooLarge}.
     */
    static JsonNode applyWithin(JsonNode ops, JsonNode document, long documentLength, EnumSet<CompatibilityFlags> flags,
            int maxBytes) {
        JsonNode working = document; // parsed for this patch alone: changed in place
        long bound = documentLength;
        for (JsonNode op : ops) {
            if (op.path("value").isContainerNode() && depth(op.path("value")) > MAX_DEPTH) {
                throw new TooDeep("an operation's value is nested deeper than " + MAX_DEPTH + " levels");
            }
            ArrayNode single = JsonNodeFactory.instance.arrayNode().add(op);
            if (op.path("path").asText().isEmpty()) {
                working = JsonPatch.apply(single, working, flags); // the root itself is not replaced in place
            } else {
                JsonPatch.applyInPlace(single, working, flags);
            }
            if ("copy".equals(op.path("op").asText())) {
                bound = working.toString().length();
            } else if (op.has("value")) {
                bound += op.get("value").toString().length();
            }
            if (bound > maxBytes) {
                long exact = working.toString().length(); // the bound overestimates after replaces and removes
                if (exact > maxBytes) {
                    throw new TooLarge("the patch would make the document larger than " + maxBytes + " bytes");
                }
                bound = exact;
            }
        }
        return working;
    }

    /** How deep the node nests (a scalar is 0, an empty object 1). */
    static int depth(JsonNode node) {
        if (!node.isContainerNode()) {
            return 0;
        }
        int deepest = 0;
        for (JsonNode child : node) {
            deepest = Math.max(deepest, depth(child));
        }
        return deepest + 1;
    }
}
