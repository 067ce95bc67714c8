package io.rccs.relay.device;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;

@ApplicationScoped
@WithSession
public class DeviceRepository implements PanacheRepositoryBase<Device, Long> {

    public Uni<Device> findDevice(String userId, String deviceId) {
        return find("userId = ?1 and deviceId = ?2", userId, deviceId).firstResult();
    }

    public Uni<List<Device>> listByUser(String userId) {
        return list("userId = ?1 order by deviceId", userId);
    }

    /** Devices of the user that are not revoked. */
    public Uni<Long> countActive(String userId) {
        return count("userId = ?1 and revokedAt is null", userId);
    }

    /** Every device the user ever registered, revoked ones included. */
    public Uni<Long> countEver(String userId) {
        return count("userId", userId);
    }
}
