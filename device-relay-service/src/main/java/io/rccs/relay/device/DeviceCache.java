package io.rccs.relay.device;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.rccs.relay.RelayConfig;
import io.smallrye.mutiny.Uni;

/**
 * The users' devices as message routing needs them (which exist, which are trusted), in memory so
 * that a message costs no database read. An entry is loaded from the registry on first use and
 * dropped whenever a device event of its user is seen (rccs.device.events, from any relay
 * instance) or this instance changes the registry itself; the next use loads it again.
 */
@ApplicationScoped
public class DeviceCache {

    /** A device as routing sees it. */
    public record Known(String deviceId, boolean trusted) {
    }

    /** One user's devices, by id, in a stable order. */
    public record UserDevices(Map<String, Known> byId) {

        static UserDevices of(List<Device> devices) {
            Map<String, Known> byId = new LinkedHashMap<>();
            devices.forEach(device -> byId.put(device.deviceId, new Known(device.deviceId, device.trusted)));
            return new UserDevices(Map.copyOf(byId));
        }

        public Known find(String deviceId) {
            return byId.get(deviceId);
        }

        /** Every trusted device of the user but {@code except}: the targets of a broadcast. */
        public List<String> trustedExcept(String except) {
            return byId.values().stream().filter(device -> device.trusted() && !device.deviceId().equals(except))
                    .map(Known::deviceId).sorted().toList();
        }
    }

    private final DeviceRegistry registry;
    private final AsyncCache<String, UserDevices> users;

    public DeviceCache(DeviceRegistry registry, RelayConfig config) {
        this.registry = registry;
        this.users = Caffeine.newBuilder()
                .maximumSize(config.cachedUsers())
                .expireAfterAccess(Duration.ofMinutes(30))
                .buildAsync();
    }

    /** The user's devices; a load that fails is not kept, so the next call tries again. */
    public Uni<UserDevices> of(String userId) {
        // the loader runs on the calling (Vert.x) thread, as the reactive registry needs
        return Uni.createFrom().completionStage(() -> users.get(userId,
                (user, executor) -> registry.list(user).map(UserDevices::of).subscribeAsCompletionStage()));
    }

    /** Forgets what is known of the user (an in-flight load is dropped too). */
    public void invalidate(String userId) {
        users.synchronous().invalidate(userId);
    }
}
