package io.rccs.model.events;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.rccs.model.protocol.Frame;

/**
 * A frame for one device, on {@link Topics#DELIVERIES}, in the partition of the gateway that holds it.
 *
 * @param connectionId when set, deliver only to that connection (an answer to it); otherwise to the
 *                     device's current connection on this gateway
 * @param closeCode    when set, close the connection with this code after sending the frame (if any)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Delivery(String userId, String deviceId, String connectionId, Frame frame, Integer closeCode) {

    public static Delivery of(String userId, String deviceId, Frame frame) {
        return new Delivery(userId, deviceId, null, frame, null);
    }

    public static Delivery toConnection(String userId, String deviceId, String connectionId, Frame frame) {
        return new Delivery(userId, deviceId, connectionId, frame, null);
    }
}
