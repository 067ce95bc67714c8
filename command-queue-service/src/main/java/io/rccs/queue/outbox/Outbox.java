package io.rccs.queue.outbox;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The transactional outbox (table {@code queue.outbox}): what a transaction announces is written in
 * that transaction and published after its commit ({@link OutboxPublisher}).
 * <p>
 * Order per command: every transition locks its command row, so the entries of one command are
 * committed in id order. {@link #write} also reports the entries of the same commands that an earlier,
 * committed transaction wrote and nobody has deleted yet (not yet published, or being published): the
 * new entries may be published only after them.
 */
@ApplicationScoped
public class Outbox {

    /** What a committed transaction wrote: its entries with their ids, and the older entries they must follow. */
    public record Written(List<Long> ids, List<Announcement> entries, Set<Long> after) {
        public static final Written NOTHING = new Written(List.of(), List.of(), Set.of());

        public boolean isEmpty() {
            return entries.isEmpty();
        }
    }

    // One round trip: the entries are inserted and, in the same statement, the command's older entries
    // still in the table are read. The outer SELECT does not see the rows its own CTE inserts (one
    // snapshot per statement), and "id + 0" keeps the lookup on outbox_command: the outbox is emptied as
    // fast as it is written, so its statistics say it is empty, and with "id < .." the planner chose a
    // range scan of the primary key, every entry written before, live or dead, read for each transition
    // (EXPLAIN in docs/benchmarks.md, commands). "new" tells the two kinds of row apart.
    private static final String INSERT_AND_FIND_OLDER = """
            WITH inserted AS (
              INSERT INTO queue.outbox (kind, user_id, target, payload, command_id)
              SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[])
              RETURNING id)
            SELECT id, true AS new FROM inserted
            UNION ALL
            SELECT id, false FROM queue.outbox
             WHERE command_id = ANY($6::uuid[]) AND id + 0 < (SELECT min(id) FROM inserted)""";

    /** Writes the entries in this transaction, in the given order. */
    public Uni<Written> write(SqlConnection connection, List<Announcement> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().item(Written.NOTHING);
        }
        int n = entries.size();
        String[] kinds = new String[n], users = new String[n], targets = new String[n], payloads = new String[n];
        UUID[] commands = new UUID[n];
        Set<UUID> distinct = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            Announcement entry = entries.get(i);
            kinds[i] = entry.kind();
            users[i] = entry.userId();
            targets[i] = entry.target();
            payloads[i] = entry.payload();
            commands[i] = entry.commandId();
            distinct.add(entry.commandId());
        }
        return connection.preparedQuery(INSERT_AND_FIND_OLDER)
                .execute(Tuple.tuple().addArrayOfString(kinds).addArrayOfString(users).addArrayOfString(targets)
                        .addArrayOfString(payloads).addArrayOfUUID(commands).addArrayOfUUID(distinct.toArray(UUID[]::new)))
                .map(rows -> {
                    List<Long> ids = new ArrayList<>(n);
                    Set<Long> after = new LinkedHashSet<>();
                    for (Row row : rows) {
                        if (row.getBoolean(1)) {
                            ids.add(row.getLong(0));
                        } else {
                            after.add(row.getLong(0));
                        }
                    }
                    ids.sort(null); // one statement takes its ids from the sequence in row order
                    return new Written(ids, List.copyOf(entries), after);
                });
    }

    static String describe(List<Long> ids) {
        return ids.size() <= 5 ? ids.toString() : Arrays.toString(ids.subList(0, 5).toArray()) + "...";
    }
}
