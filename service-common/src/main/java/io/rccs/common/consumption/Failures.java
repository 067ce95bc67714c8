package io.rccs.common.consumption;

import java.lang.reflect.Method;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Sorts a consumer's failures into the two kinds that are handled differently: a permanent one
 * (the record cannot be read, or breaks a rule of the database: SQLSTATE classes 22 and 23) can
 * never succeed and goes to the dead-letter topic; everything else is taken to be transient (a database, broker or cache that is
 * down or slow) and retried without bound. When in doubt a failure is transient: a stalled
 * consumer is visible in readiness and loses nothing, a dead-lettered record is gone from the flow.
 */
public final class Failures {

    private Failures() {
    }

    public static boolean isTransient(Throwable failure) {
        return !isPermanent(failure);
    }

    public static boolean isPermanent(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            // not NullPointerException and the like: those are bugs, and dead-lettering a record for a bug
            // loses it; retrying keeps it (readiness shows the stall) until the fix is deployed
            if (cause instanceof PermanentFailure || cause instanceof IllegalArgumentException
                    || cause instanceof JsonProcessingException) {
                return true;
            }
            String sqlState = sqlState(cause);
            // class 22: data exception (too long, bad encoding); class 23: integrity constraint violation
            if (sqlState != null && (sqlState.startsWith("22") || sqlState.startsWith("23"))) {
                return true;
            }
        }
        return false;
    }

    /** A PostgreSQL error's SQLSTATE, whichever client raised it (the reactive client is not on every service's path). */
    static String sqlState(Throwable failure) {
        if (failure instanceof java.sql.SQLException sql) {
            return sql.getSQLState();
        }
        if (!failure.getClass().getName().equals("io.vertx.pgclient.PgException")) {
            return null;
        }
        try {
            Method method = failure.getClass().getMethod("getSqlState");
            Object state = method.invoke(failure);
            return state == null ? null : state.toString();
        } catch (ReflectiveOperationException | RuntimeException unknown) {
            return null;
        }
    }

    /** A message safe to log: client-supplied text with line breaks could forge log lines. */
    public static String describe(Throwable failure) {
        String text = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        return sanitize(text);
    }

    public static String sanitize(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder clean = new StringBuilder(Math.min(text.length(), 500));
        for (int i = 0; i < text.length() && clean.length() < 500; i++) {
            char c = text.charAt(i);
            clean.append(Character.isISOControl(c) ? '?' : c);
        }
        return clean.toString();
    }
}
