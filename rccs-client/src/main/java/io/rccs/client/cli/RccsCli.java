package io.rccs.client.cli;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.rccs.client.MessageSequencer;
import io.rccs.client.RccsClient;
import io.rccs.client.RccsConnectException;
import io.rccs.client.TokenClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;

/**
 * A terminal client: one device, frames in and out as JSON lines. See {@link CliOptions#USAGE}.
 * Exit status: 0 after a normal close (1000), 1 after any other close or a failure to connect,
 * 2 for a bad command line.
 */
public final class RccsCli {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration WELCOME_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration LINGER_AFTER_INPUT = Duration.ofSeconds(1);
    private static final Duration POLL = Duration.ofMillis(200);

    private final PrintStream out;
    private final PrintStream err;

    RccsCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int status = new RccsCli(out, err).run(args, System.in);
        out.flush();
        err.flush();
        System.exit(status);
    }

    int run(String[] args, InputStream in) {
        CliOptions options;
        try {
            options = CliOptions.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            err.println("rccs: " + e.getMessage());
            err.println();
            err.print(CliOptions.USAGE);
            return 2;
        }
        if (options.help()) {
            out.print(CliOptions.USAGE);
            return 0;
        }
        String token = options.token();
        if (options.user() != null) {
            try {
                token = TokenClient.passwordGrant(options.oidc(), options.clientId(), options.user(), options.password());
            } catch (TokenClient.TokenException e) {
                err.println("rccs: no token for " + options.user() + ": " + e.getMessage());
                return 1;
            }
        } else if (token == null) {
            err.println("rccs: no --token, --user or $RCCS_TOKEN: connecting without a token");
        }
        RccsClient client;
        try {
            client = RccsClient.connect(options.url(), token, CONNECT_TIMEOUT, false);
        } catch (RccsConnectException e) {
            err.println("rccs: " + (e.httpStatus() > 0
                    ? "the gateway refused the connection with HTTP " + e.httpStatus() + " (" + options.url() + ")"
                    : e.getMessage()));
            return 1;
        }
        return session(client, options, in);
    }

    private int session(RccsClient client, CliOptions options, InputStream in) {
        Frame hello;
        try {
            hello = client.sendHello(RccsClient.helloPayload(options.device(), options.name(), options.kind(),
                    options.capabilities(), options.resumeLastSeq()));
        } catch (RuntimeException e) {
            err.println("rccs: cannot send hello: " + e.getMessage());
            client.close();
            return 1;
        }
        CompletableFuture<Frame> answer = new CompletableFuture<>();
        // only tracks how far the messages got without a gap, so the user can --resume after it
        MessageSequencer seen = new MessageSequencer(options.resumeLastSeq(), MessageSequencer.DEFAULT_ACK_EVERY,
                MessageSequencer.DEFAULT_MAX_HELD);
        Thread printer = new Thread(() -> printFrames(client, hello.id(), answer, seen), "rccs-printer");
        printer.setDaemon(true);
        printer.start();

        CompletableFuture<Integer> exit = new CompletableFuture<>();
        client.closed().thenAccept(code -> {
            joinQuietly(printer, 3000); // print everything that arrived before the close
            String reason = client.closeReason();
            err.println("rccs: connection closed: " + code + (reason == null || reason.isEmpty() ? "" : " " + reason));
            if (seen.lastSeq() != null) {
                err.println("rccs: last message seq " + seen.lastSeq() + " (--resume " + seen.lastSeq() + " continues after it)");
            }
            exit.complete(code == 1000 ? 0 : 1);
        });

        try {
            Frame welcome = answer.get(WELCOME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            int heartbeat = welcome.payload().path("heartbeatSec").asInt(0);
            if (welcome.is(FrameType.WELCOME) && heartbeat > 0) {
                client.keepAlive(Duration.ofSeconds(heartbeat));
            }
        } catch (TimeoutException e) {
            err.println("rccs: no answer to hello within " + WELCOME_TIMEOUT.toSeconds() + " s; sending input anyway");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // closed before the answer came: the close handler reports it
        }

        Thread reader = new Thread(() -> {
            readInput(client, in);
            if (!client.closed().isDone()) {
                sleep(LINGER_AFTER_INPUT);
                client.close();
            }
        }, "rccs-stdin");
        reader.setDaemon(true);
        reader.start();
        return exit.join();
    }

    /** Prints every frame in arrival order until the connection is closed and nothing is left. */
    private void printFrames(RccsClient client, String helloId, CompletableFuture<Frame> answer, MessageSequencer seen) {
        while (true) {
            Optional<Frame> next = client.poll(POLL);
            if (next.isPresent()) {
                Frame frame = next.get();
                out.println(FrameCodec.encode(frame));
                if (frame.is(FrameType.MESSAGE)) {
                    seen.accept(frame);
                }
                if (helloId.equals(frame.corr())) {
                    answer.complete(frame);
                }
            } else if (client.closed().isDone() && client.pending().isEmpty()) {
                answer.completeExceptionally(new IllegalStateException("closed"));
                return;
            }
        }
    }

    private void readInput(RccsClient client, InputStream in) {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                Optional<String> text = LineCompleter.complete(line, RccsClient::newId);
                if (text.isEmpty()) {
                    continue;
                }
                if (!client.isOpen()) {
                    return;
                }
                try {
                    client.sendRaw(text.get());
                } catch (RuntimeException e) {
                    err.println("rccs: not sent: " + e.getMessage());
                }
            }
        } catch (IOException e) {
            err.println("rccs: reading stdin failed: " + e.getMessage());
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinQuietly(Thread thread, long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
