package io.rccs.client;

import java.util.concurrent.TimeoutException;

/**
 * No answer came in time to a request that went out: the server may have done it, or may still do
 * it (a patch applied, a handoff offered or accepted), although the caller stops waiting. Read the
 * session ({@link WorkSessions#getState}) to learn what happened. A request that never went out
 * fails with a plain {@link TimeoutException} instead: it is withdrawn and will not take effect.
 *
 * <p>A {@link TimeoutException}, so code that handles timeouts keeps handling this one.
 */
public class OutcomeUnknownException extends TimeoutException {

    private static final long serialVersionUID = 1L;

    public OutcomeUnknownException(String message, Throwable cause) {
        super(message);
        if (cause != null) {
            initCause(cause);
        }
    }
}
