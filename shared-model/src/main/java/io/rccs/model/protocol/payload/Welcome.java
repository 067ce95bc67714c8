package io.rccs.model.protocol.payload;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code welcome}: the answer to {@code hello}.
 *
 * @param credential only when this hello registered the device: the device's credential, shown
 *                   this once; the device must keep it and send it in every later {@code hello}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Welcome(String connectionId, String deviceId, boolean trusted, int heartbeatSec, boolean resumed,
        long missed, String credential) implements Payload {

    public Welcome(String connectionId, String deviceId, boolean trusted, int heartbeatSec, boolean resumed, long missed) {
        this(connectionId, deviceId, trusted, heartbeatSec, resumed, missed, null);
    }
}
