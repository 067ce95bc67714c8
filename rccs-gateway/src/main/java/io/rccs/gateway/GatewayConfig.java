package io.rccs.gateway;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of one gateway instance. */
@ConfigMapping(prefix = "rccs.gateway")
public interface GatewayConfig {

    /**
     * This instance's index, unique among the running gateways and below the partition count of
     * rccs.deliveries: the instance reads exactly that partition (a StatefulSet ordinal on Kubernetes).
     */
    @WithDefault("0")
    int instance();

    /** Heartbeat interval announced in {@code welcome}; the server pings at this interval too. */
    @WithDefault("15s")
    Duration heartbeat();

    /** How long a new connection may take to send {@code hello} before it is closed with 4408. */
    @WithDefault("10s")
    Duration helloTimeout();

    /** The largest frame a client may send, in bytes; larger ones get {@code error too_large}. */
    @WithDefault("65536")
    int maxFrameBytes();

    /** Frames per second a connection may send on average. */
    @WithDefault("50")
    int rateLimitPerSecond();

    /** Frames a connection may send in a burst above the average. */
    @WithDefault("100")
    int rateLimitBurst();

    /**
     * Frames of one connection that may wait for the broker at once (they are published one after
     * another); past that a frame is answered {@code unavailable} (retryable). Bounds memory while
     * the broker is away.
     */
    @WithDefault("1024")
    int maxPublishesInFlight();

    /** Violations (bad frames, rate limit) a minute after which the connection is closed with 4429. */
    @WithDefault("20")
    int maxViolationsPerMinute();

    /** The most connections one user may hold on this gateway instance at once; more are closed with 4430. */
    @WithDefault("200")
    int maxConnectionsPerUser();

    /** How long a REST request waits for the owning service's answer before it is 503. */
    @WithDefault("10s")
    Duration restTimeout();

    /**
     * Bytes (of encoded frames) that may wait to be written to one connection. A reader that keeps
     * more than this waiting for longer than {@link #slowReaderTimeout()}, or eight times this at any
     * time, is closed with 4413 and reported offline at once: what it missed stays in its inbox for
     * its next connection. An inbox replay may briefly exceed it; the time limit lets it.
     */
    @WithDefault("1048576")
    int maxPendingWriteBytes();

    /** How long a connection may keep more than {@link #maxPendingWriteBytes()} waiting. */
    @WithDefault("10s")
    Duration slowReaderTimeout();

    /**
     * On SIGTERM: how long the gateway waits for its clients to leave after telling them to
     * {@code reconnect}, before it closes the rest with 1001 and stops.
     */
    @WithDefault("10s")
    Duration drainTimeout();

    /**
     * On SIGTERM: how many of its clients per second a draining gateway sends to the others. The
     * {@code reconnect} delays are spread over connections / rate seconds (at least 1 s; at most
     * half the drain timeout and 16 s, since a client waits 20 s at most), so a gateway with
     * thousands of clients does not ask the relay for all their hellos at once. At 500/s the rate
     * holds up to 8,000 clients with a drain timeout of 32 s or more.
     */
    @WithDefault("500")
    int drainReconnectRate();

    /**
     * How long before its token's expiry a connection without a refreshed token is closed with 4401:
     * ahead of the framework's own close at the expiry (1008), so the client always sees 4401.
     */
    @WithDefault("1s")
    Duration tokenExpiryMargin();
}
