package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.ErrorCode;

/** {@code error}: what went wrong with the frame named by {@code corr}; the connection stays open. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorPayload(String code, String message, boolean retryable, JsonNode details) implements Payload {

    public static ErrorPayload of(ErrorCode code, String message) {
        return new ErrorPayload(code.wire(), message, code.retryable(), null);
    }
}
