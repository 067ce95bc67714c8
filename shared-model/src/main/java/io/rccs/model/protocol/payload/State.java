package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code state}: a session at {@code version}. Either the whole {@code document} (the answer to
 * {@code session.open}, {@code session.join}, {@code state.get}) or the {@code ops} (RFC 6902) that
 * made this version from the one before, pushed to every device that follows the session, in version
 * order. A version that changed the owner or closed the session has no ops ({@code owner},
 * {@code status} say what changed). A device that holds version {@code v} applies the ops of
 * {@code v + 1}, ignores what it already has, and asks {@code state.get} when it sees a gap.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record State(String session, long version, String owner, String status, JsonNode ops, JsonNode document)
        implements Payload {
}
