package io.rccs.model.protocol.payload;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A session as listed (no document): {@code status} open or closed, the owner device, the version,
 * the devices that follow it ({@code members}, the owner included), and the device a handoff is
 * offered to, if one is pending.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SessionInfo(String session, String name, String status, String owner, long version,
        List<String> requires, boolean failover, int graceSec, List<String> members, String handoffTo,
        long createdAt, long updatedAt) {
}
