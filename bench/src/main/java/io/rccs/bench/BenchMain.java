package io.rccs.bench;

import java.util.Arrays;

/** Entry point of the benchmark jar: {@code java -jar rccs-bench.jar messages [flags]}. */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println("usage: rccs-bench messages [flags]   (messages --help lists the flags)");
            System.exit(args.length == 0 ? 2 : 0);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "messages" -> runMessages(rest);
                default -> {
                    System.err.println("unknown benchmark '" + args[0] + "' (known: messages)");
                    System.exit(2);
                }
            }
        } catch (UsageException e) {
            System.err.println("rccs-bench: " + e.getMessage());
            System.err.println(MessagesOptions.USAGE);
            System.exit(2);
        } catch (BenchException e) {
            System.err.println("rccs-bench: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void runMessages(String[] args) {
        MessagesOptions options = MessagesOptions.parse(args);
        if (options.help()) {
            System.out.println(MessagesOptions.USAGE);
            return;
        }
        new MessagesBenchmark(options).run();
        // the JDK HttpClient keeps daemon-less selector threads for a while: do not wait for them
        System.exit(0);
    }
}
