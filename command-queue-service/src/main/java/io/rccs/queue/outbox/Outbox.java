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

    private static final String INSERT = """
            INSERT INTO queue.outbox (kind, user_id, target, payload, command_id)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[])
            RETURNING id""";

    // "id + 0": the lookup must go through outbox_command. The outbox is emptied as fast as it is
    // written, so its statistics say it is empty, and with "id < $2" the planner chose a range scan of
    // the primary key: every entry written before, live or dead, read for each transition (EXPLAIN in
    // docs/benchmarks.md, commands)
    private static final String OLDER = """
            SELECT id FROM queue.outbox WHERE command_id = ANY($1::uuid[]) AND id + 0 < $2""";

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
        return connection.preparedQuery(INSERT)
                .execute(Tuple.tuple().addArrayOfString(kinds).addArrayOfString(users).addArrayOfString(targets)
                        .addArrayOfString(payloads).addArrayOfUUID(commands))
                .chain(rows -> {
                    List<Long> ids = new ArrayList<>(n);
                    for (Row row : rows) {
                        ids.add(row.getLong(0));
                    }
                    ids.sort(null); // one statement takes its ids from the sequence in row order
                    return connection.preparedQuery(OLDER)
                            .execute(Tuple.of(distinct.toArray(UUID[]::new), ids.get(0)))
                            .map(older -> {
                                Set<Long> after = new LinkedHashSet<>();
                                for (Row row : older) {
                                    after.add(row.getLong(0));
                                }
                                return new Written(ids, List.copyOf(entries), after);
                            });
                });
    }

    static String describe(List<Long> ids) {
        return ids.size() <= 5 ? ids.toString() : Arrays.toString(ids.subList(0, 5).toArray()) + "...";
    }
}
