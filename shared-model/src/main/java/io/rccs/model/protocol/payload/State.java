package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/** {@code state}: a session's document (on open/get) or the operations that made a version. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record State(String session, long version, String owner, JsonNode ops, JsonNode document)
        implements Payload {
}
