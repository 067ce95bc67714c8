package io.rccs.relay;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the device relay. */
@ConfigMapping(prefix = "rccs.relay")
public interface RelayConfig {

    /**
     * Whether devices after a user's first are trusted without pairing. Off: a later device is
     * pending until a trusted device approves it (SPEC 3.4). Only for development and tests.
     */
    @WithDefault("false")
    boolean autoTrust();

    /**
     * Whether a device registered before device credentials existed takes the first credential it
     * presents (an upgrade aid: until then anyone with the user's token could claim it). Off.
     */
    @WithDefault("false")
    boolean adoptDevicesWithoutCredential();

    /** The most devices (pending or trusted, not revoked) a user may have; more are refused. */
    @WithDefault("100")
    int maxDevicesPerUser();

    /** Pairing (SPEC 3.4). */
    Pairing pairing();

    interface Pairing {

        /** How long a pairing code can be claimed, and a claim decided. */
        @WithDefault("5m")
        Duration codeTtl();

        /** Wrong claims (unknown code) one device may make in {@link #wrongClaimWindow()} before its claims are refused. */
        @WithDefault("5")
        int maxWrongClaims();

        /** Wrong claims all devices of a user may make in {@link #wrongClaimWindow()} before every claim of the user is refused. */
        @WithDefault("20")
        int maxWrongClaimsPerUser();

        /** Codes a user may have open (not claimed, not expired) at once. */
        @WithDefault("5")
        int maxOpenCodes();

        /** The sliding window of {@link #maxWrongClaims()}. */
        @WithDefault("10m")
        Duration wrongClaimWindow();
    }

    /** The heartbeat interval announced in {@code welcome}; must match the gateways' rccs.gateway.heartbeat. */
    @WithDefault("15s")
    Duration heartbeat();

    /**
     * How often the relay looks for gateway runs that died (their alive key in Redis lapsed) and
     * reports their devices offline: a third of {@link #heartbeat()}, so that they are offline at
     * the user's other devices within two heartbeats. Set it with the heartbeat.
     */
    @WithDefault("5s")
    Duration gatewaySweep();

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

        /**
         * No entry is removed for {@link #maxEntries()} before it is this old: a frame handled again
         * after a relay crash must still find its entry (the sender's frame id is the idempotency key
         * only while the entry is kept). A device may hold more than maxEntries for this long.
         */
        @WithDefault("2m")
        Duration minRetention();

        /**
         * An entry sent to a connected device and not acknowledged within this time is sent again;
         * only entries stored longer ago than this are (younger ones are still on their way).
         */
        @WithDefault("10s")
        Duration redeliveryTimeout();

        /**
         * While a connected device acknowledges nothing, each redelivery waits twice as long as the
         * one before, from {@link #redeliveryTimeout()} up to this: a backlog longer than the timeout
         * is not flooded with copies. An ack that moves, a hello, the device found offline, or a first
         * entry after everything was acknowledged starts again from the timeout.
         * Keep it well under {@link #minRetention()}: a lost entry should be tried several times
         * before the count limit may remove it.
         */
        @WithDefault("1m")
        Duration redeliveryMaxInterval();

        /** How often the relay looks for unacknowledged entries to send again. */
        @WithDefault("1s")
        Duration redeliverySweep();

        /** How often entries past the retention are removed. */
        @WithDefault("30s")
        Duration trimInterval();
    }

    /** Work sessions (SPEC 3.5). */
    Sessions sessions();

    interface Sessions {

        /** The largest state document, in bytes of its JSON; a patch that would make it larger is refused. */
        @WithDefault("262144")
        int maxDocumentBytes();

        /** How many open sessions a user may have; a further session.open is refused. */
        @WithDefault("100")
        int maxOpenPerUser();

        /** The grace period of a session that does not name one: how long its owner may be gone before failover. */
        @WithDefault("30s")
        Duration defaultGrace();

        /** How long a handoff offer waits for handoff.accept or handoff.reject before it lapses. */
        @WithDefault("30s")
        Duration handoffTimeout();

        /** How often the relay looks for lapsed handoffs, due failovers and unpublished session events. */
        @WithDefault("1s")
        Duration sweepInterval();

        /** A failover that found no capable online device is tried again after this (and at once when a device of the user connects). */
        @WithDefault("60s")
        Duration failoverRecheck();

        /** How long each change is logged: within it, a resent state.patch is answered, not applied again. */
        @WithDefault("24h")
        Duration changeRetention();

        /** How long a closed session (and its document) can still be read before it is removed. */
        @WithDefault("7d")
        Duration closedRetention();
    }
}
