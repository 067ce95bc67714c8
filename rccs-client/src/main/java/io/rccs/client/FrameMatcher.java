package io.rccs.client;

import java.util.Objects;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

import io.rccs.model.protocol.Frame;

/**
 * A {@link Predicate} over frames that describes itself, so that a timed-out wait says what it
 * was waiting for. Combine with {@link #and(FrameMatcher)}.
 */
public final class FrameMatcher implements Predicate<Frame> {

    private final String description;
    private final Predicate<Frame> predicate;

    private FrameMatcher(String description, Predicate<Frame> predicate) {
        this.description = description;
        this.predicate = predicate;
    }

    public static FrameMatcher of(String description, Predicate<Frame> predicate) {
        return new FrameMatcher(description, Objects.requireNonNull(predicate, "predicate"));
    }

    /** Any frame at all. */
    public static FrameMatcher any() {
        return of("any frame", frame -> true);
    }

    /** A frame of the given wire type, such as {@code "command.status"}. */
    public static FrameMatcher type(String type) {
        return of("type=" + type, frame -> type.equals(frame.type()));
    }

    /** A frame answering the frame with this id. */
    public static FrameMatcher corr(String id) {
        return of("corr=" + id, frame -> id.equals(frame.corr()));
    }

    /** A frame with this id (a delivered message keeps the sender's id). */
    public static FrameMatcher id(String id) {
        return of("id=" + id, frame -> id.equals(frame.id()));
    }

    /** A frame the server delivers from this device. */
    public static FrameMatcher from(String deviceId) {
        return of("from=" + deviceId, frame -> deviceId.equals(frame.from()));
    }

    /** A frame whose payload has a top-level text field with this value. */
    public static FrameMatcher payload(String field, String value) {
        return of("payload." + field + "=" + value, frame -> {
            JsonNode node = frame.payload().get(field);
            return node != null && node.isTextual() && value.equals(node.textValue());
        });
    }

    public FrameMatcher and(FrameMatcher other) {
        return of(description + " and " + other.description, frame -> predicate.test(frame) && other.predicate.test(frame));
    }

    public FrameMatcher or(FrameMatcher other) {
        return of("(" + description + " or " + other.description + ")",
                frame -> predicate.test(frame) || other.predicate.test(frame));
    }

    @Override
    public boolean test(Frame frame) {
        return predicate.test(frame);
    }

    @Override
    public String toString() {
        return description;
    }
}
