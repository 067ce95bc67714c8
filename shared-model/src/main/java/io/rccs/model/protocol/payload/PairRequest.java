package io.rccs.model.protocol.payload;

/** {@code pair.request}: the trusted device is asked to approve a claiming device. */
public record PairRequest(String claimId, String deviceId, String name, String kind, String platform)
        implements Payload {
}
