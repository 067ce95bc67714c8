package io.rccs.queue.directory;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;

@ApplicationScoped
@WithSession
public class KnownDeviceRepository implements PanacheRepositoryBase<KnownDevice, String> {

    public Uni<List<KnownDevice>> listByUser(String userId) {
        return list("userId = ?1 order by lastOnline desc", userId);
    }
}
