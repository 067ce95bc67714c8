package io.rccs.bench;

import java.util.Arrays;

/** Entry point of the benchmark jar: {@code java -jar rccs-bench.jar messages|discovery|commands|sessions|connections [flags]}. */
public final class BenchMain {

    private static final String USAGE = "usage: rccs-bench messages|discovery|commands|sessions|connections [flags]   (<benchmark> --help lists the flags)";

    private BenchMain() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        String usage = switch (args[0]) {
            case "messages" -> MessagesOptions.USAGE;
            case "discovery" -> DiscoveryOptions.USAGE;
            case "commands" -> CommandsOptions.USAGE;
            case "sessions" -> SessionsOptions.USAGE;
            case "connections" -> ConnectionsOptions.USAGE;
            default -> null;
        };
        if (usage == null) {
            System.err.println("unknown benchmark '" + args[0] + "' (known: messages, discovery, commands, sessions, connections)");
            System.exit(2);
        }
        try {
            switch (args[0]) {
                case "messages" -> runMessages(rest);
                case "discovery" -> runDiscovery(rest);
                case "commands" -> runCommands(rest);
                case "connections" -> runConnections(rest);
                default -> runSessions(rest);
            }
        } catch (UsageException e) {
            System.err.println("rccs-bench: " + e.getMessage());
            System.err.println(usage);
            System.exit(2);
        } catch (BenchException e) {
            System.err.println("rccs-bench: " + e.getMessage());
            System.exit(1);
        }
        // the JDK HttpClient keeps daemon-less selector threads for a while: do not wait for them
        System.exit(0);
    }

    private static void runMessages(String[] args) {
        MessagesOptions options = MessagesOptions.parse(args);
        if (options.help()) {
            System.out.println(MessagesOptions.USAGE);
            return;
        }
        new MessagesBenchmark(options).run();
    }

    private static void runDiscovery(String[] args) {
        DiscoveryOptions options = DiscoveryOptions.parse(args);
        if (options.help()) {
            System.out.println(DiscoveryOptions.USAGE);
            return;
        }
        new DiscoveryBenchmark(options).run();
    }

    private static void runCommands(String[] args) {
        CommandsOptions options = CommandsOptions.parse(args);
        if (options.help()) {
            System.out.println(CommandsOptions.USAGE);
            return;
        }
        new CommandsBenchmark(options).run();
    }

    private static void runSessions(String[] args) {
        SessionsOptions options = SessionsOptions.parse(args);
        if (options.help()) {
            System.out.println(SessionsOptions.USAGE);
            return;
        }
        new SessionsBenchmark(options).run();
    }

    private static void runConnections(String[] args) {
        ConnectionsOptions options = ConnectionsOptions.parse(args);
        if (options.help()) {
            System.out.println(ConnectionsOptions.USAGE);
            return;
        }
        new ConnectionsBenchmark(options).run();
    }
}
