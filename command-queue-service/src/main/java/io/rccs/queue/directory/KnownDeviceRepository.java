package io.rccs.queue.directory;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.rccs.model.events.Topics;
import io.smallrye.mutiny.Uni;

@ApplicationScoped
@WithSession
public class KnownDeviceRepository implements PanacheRepositoryBase<KnownDevice, String> {

    public Uni<List<KnownDevice>> listByUser(String userId) {
        return list("userId = ?1 order by lastOnline desc", userId);
    }

    /**
     * The device, share-locked (FOR SHARE) until the transaction ends, or null if this service has
     * not heard of it: a revoke (which locks the row FOR UPDATE) waits for the transaction, or the
     * transaction sees the revoke. Called before any command row is locked.
     */
    public Uni<KnownDevice> findShared(String userId, String deviceId) {
        return findById(Topics.deviceKey(userId, deviceId), LockModeType.PESSIMISTIC_READ);
    }
}
