package io.rccs.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * One bench user of {@code discovery}: {@code devices} devices, all trusted (the first, registered on
 * a user without trusted devices, pairs the others), alternating between the gateways. The first
 * {@code online} stay connected and send the lists; the others are closed after pairing, so the
 * answers list them offline with a {@code lastSeen}.
 */
final class DiscoveryUser {

    private static final List<String> KINDS = List.of("desktop", "mobile");
    private static final List<String> CAPABILITIES = List.of("clipboard@1", "notify@1", "files@2");

    final String name;
    private final List<DevicePlan> plans;
    private final int online;
    private volatile List<FrameSocket> connected = List.of();
    private volatile AccessToken token;

    /** @param number 1, 2, ...: names the user and, with the device's number, picks each device's gateway */
    DiscoveryUser(int number, int devices, int online) {
        this.name = String.format("bench-discovery-%02d", number);
        this.plans = plans(number, devices);
        this.online = online;
    }

    /** Device {@code d} of user {@code number} goes to gateway {@code (d + number) mod 2}: half of each user's on each. */
    static List<DevicePlan> plans(int number, int devices) {
        return IntStream.range(0, devices).mapToObj(device -> new DevicePlan(
                String.format("bench-dev-%02d", device + 1), "bench device " + (device + 1), KINDS.get(device % KINDS.size()),
                CAPABILITIES, (device + number) % 2)).toList();
    }

    /** (Re)connects every device with a fresh token, trusted, then closes the ones meant to be offline. */
    void connect(DeviceConnector connector, ListAnswers answers) {
        close();
        UserDevices.Connected setUp = connector.connectTrusted(name, plans, plan -> answers);
        token = setUp.token();
        List<FrameSocket> all = setUp.sockets();
        all.subList(online, all.size()).forEach(FrameSocket::close);
        connected = List.copyOf(all.subList(0, online));
    }

    /** The connected devices, which send the lists. */
    List<FrameSocket> online() {
        return connected;
    }

    /** True when a connected device's socket closed or the token will expire before {@code until}. */
    boolean needsReconnect(Instant until) {
        return token == null || token.expiresBefore(until) || connected.size() < online
                || connected.stream().anyMatch(socket -> !socket.isOpen());
    }

    int queuedFrames() {
        return connected.stream().mapToInt(FrameSocket::queuedFrames).sum();
    }

    void close() {
        connected.forEach(FrameSocket::close);
        connected = List.of();
    }

    /**
     * Every online device of every user, ordered so that consecutive lists go to different users and
     * alternate between the gateways: device 1 of each user, then device 2 of each, and so on.
     */
    static List<FrameSocket> listers(List<DiscoveryUser> users) {
        return interleave(users.stream().map(DiscoveryUser::online).toList());
    }

    /** {@code [[a1, a2], [b1, b2]]} -> {@code [a1, b1, a2, b2]}; shorter lists simply run out. */
    static <T> List<T> interleave(List<List<T>> lists) {
        List<T> woven = new ArrayList<>();
        int longest = lists.stream().mapToInt(List::size).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            for (List<T> list : lists) {
                if (i < list.size()) {
                    woven.add(list.get(i));
                }
            }
        }
        return woven;
    }
}
