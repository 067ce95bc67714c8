package io.rccs.bench;

import java.util.List;

/** One device a bench user owns: what its hello says and which of the two gateways it connects to. */
record DevicePlan(String deviceId, String name, String kind, List<String> capabilities, int gateway) {

    DevicePlan {
        capabilities = List.copyOf(capabilities);
    }
}
