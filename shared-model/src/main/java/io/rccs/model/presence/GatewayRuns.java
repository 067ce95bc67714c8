package io.rccs.model.presence;

/**
 * How a gateway instance says in Redis that it is alive, so that the services can tell when one
 * died without closing its connections (kill -9, a lost node).
 *
 * <ul>
 * <li>Every start of a gateway is a run with a fresh random {@code epoch}.</li>
 * <li>{@link #aliveKey(int)} holds the epoch of the run that owns the index, with a TTL of one
 * heartbeat interval, refreshed three times per interval. A gateway starts only after it has set
 * this key with NX (a second gateway with the same index is refused), and every presence entry it
 * writes carries its epoch.</li>
 * <li>{@link #RUNS} is a set of {@link #run(int, String)} members, one per run that may still have
 * presence entries. A run whose alive key no longer holds its epoch has died: the relay reports its
 * devices offline (as if each connection had closed with 1006) and removes the member.</li>
 * </ul>
 */
public final class GatewayRuns {

    /** The set of runs that may still have presence entries. */
    public static final String RUNS = "rccs:gateway-runs";

    private static final String ALIVE_PREFIX = "rccs:gateway:";

    private GatewayRuns() {
    }

    /** {@code rccs:gateway:<index>}: the epoch of the live run of that gateway index. */
    public static String aliveKey(int gateway) {
        return ALIVE_PREFIX + gateway;
    }

    /** A member of {@link #RUNS}: {@code <index>:<epoch>}. */
    public static String run(int gateway, String epoch) {
        return gateway + ":" + epoch;
    }

    /** The gateway index of a {@link #run(int, String)} member. */
    public static int gatewayOf(String run) {
        return Integer.parseInt(run.substring(0, run.indexOf(':')));
    }

    /** The epoch of a {@link #run(int, String)} member. */
    public static String epochOf(String run) {
        return run.substring(run.indexOf(':') + 1);
    }
}
