package io.rccs.model.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A record no consumer can ever process, on {@link Topics#DEAD_LETTERS}: where it was, why it failed,
 * and the record itself, so an operator can inspect it and, once the cause is fixed, publish it again.
 *
 * @param consumer  the consumer group that gave up on it
 * @param topic     the topic it was read from
 * @param partition its partition there
 * @param offset    its offset there
 * @param key       its key (may be null)
 * @param value     its value as it was read (may be null, or not JSON at all)
 * @param reason    a short, stable reason: {@code malformed} (not a valid event) or {@code rejected}
 *                  (valid, but processing it can never succeed)
 * @param error     what the consumer said about it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(String consumer, String topic, int partition, long offset, String key, String value,
        String reason, String error) {

    public static final String MALFORMED = "malformed";
    public static final String REJECTED = "rejected";
}
