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
}
