package io.rccs.relay.session;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.common.consumption.PermanentFailure;
import io.rccs.model.protocol.ErrorCode;

/**
 * A session frame that cannot be carried out (conflict, not found, not the owner, too large...):
 * thrown inside the change's transaction, which then writes nothing, and answered with an
 * {@code error}. Permanent, so that no step retries it.
 */
public class SessionRefusal extends PermanentFailure {

    private final ErrorCode code;
    private final transient JsonNode details;

    public SessionRefusal(ErrorCode code, String message) {
        this(code, message, null);
    }

    public SessionRefusal(ErrorCode code, String message, JsonNode details) {
        super(message);
        this.code = code;
        this.details = details;
    }

    public ErrorCode code() {
        return code;
    }

    public JsonNode details() {
        return details;
    }
}
