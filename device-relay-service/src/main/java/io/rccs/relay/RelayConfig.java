package io.rccs.relay;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the device relay. */
@ConfigMapping(prefix = "rccs.relay")
public interface RelayConfig {

    /**
     * Whether devices after a user's first are trusted without pairing. True until pairing exists;
     * the first device of a user is always trusted.
     */
    @WithDefault("true")
    boolean autoTrust();

    /** The heartbeat interval announced in {@code welcome}; must match the gateways' rccs.gateway.heartbeat. */
    @WithDefault("15s")
    Duration heartbeat();

    /** How many users' device lists the relay keeps in memory (kept current by rccs.device.events). */
    @WithDefault("100000")
    int cachedUsers();

    /** The per-device message inbox (SPEC 3.2). */
    Inbox inbox();

    interface Inbox {

        /** How long an entry is kept, acknowledged or not (for resume and for idempotent resends). */
        @WithDefault("24h")
        Duration retention();

        /** How many entries a device keeps at most; older ones are removed first (and count as missed). */
        @WithDefault("10000")
        int maxEntries();

        /** An entry sent to a connected device and not acknowledged within this time is sent again. */
        @WithDefault("10s")
        Duration redeliveryTimeout();

        /** How often the relay looks for unacknowledged entries to send again. */
        @WithDefault("1s")
        Duration redeliverySweep();

        /** How often entries past the retention are removed. */
        @WithDefault("30s")
        Duration trimInterval();
    }
}
