package io.rccs.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Command-line flags, {@code --name value} or {@code --name=value}, and the checks their values share. */
final class Flags {

    /** One flag as given; {@code --help} and {@code -h} come with a null value. */
    record Flag(String name, String value) {

        boolean isHelp() {
            return name.equals("--help") || name.equals("-h");
        }
    }

    private Flags() {
    }

    static List<Flag> parse(String[] args) {
        List<Flag> flags = new ArrayList<>();
        List<String> queue = new ArrayList<>(Arrays.asList(args));
        while (!queue.isEmpty()) {
            String name = queue.remove(0);
            String value = null;
            int equals = name.indexOf('=');
            if (name.startsWith("--") && equals > 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            if (name.equals("--help") || name.equals("-h")) {
                flags.add(new Flag(name, null));
                continue;
            }
            if (value == null) {
                if (queue.isEmpty()) {
                    throw new UsageException(name + " needs a value");
                }
                value = queue.remove(0);
            }
            flags.add(new Flag(name, value));
        }
        return flags;
    }

    static List<Integer> positiveList(String flag, String value) {
        List<Integer> list = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> positive(flag, s)).toList();
        if (list.isEmpty()) {
            throw new UsageException(flag + " needs at least one value");
        }
        return list;
    }

    static int positive(String flag, String value) {
        int number = number(flag, value);
        if (number <= 0) {
            throw new UsageException(flag + " must be positive, not " + value);
        }
        return number;
    }

    static int atLeastZero(String flag, String value) {
        int number = number(flag, value);
        if (number < 0) {
            throw new UsageException(flag + " must not be negative, not " + value);
        }
        return number;
    }

    private static int number(String flag, String value) {
        try {
            return Integer.parseInt(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " must be a whole number, not '" + value + "'");
        }
    }
}
