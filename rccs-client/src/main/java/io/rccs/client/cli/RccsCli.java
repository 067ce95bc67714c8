package io.rccs.client.cli;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.rccs.client.FileCredentialStore;
import io.rccs.client.MessageSequencer;
import io.rccs.client.RccsClient;
import io.rccs.client.RccsConnectException;
import io.rccs.client.TokenClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.FrameType;
import io.rccs.model.protocol.payload.ErrorPayload;

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
        String user = options.user() != null ? options.user() : CredentialFiles.userOfToken(token).orElse(null);
        FileCredentialStore credentials = new FileCredentialStore(
                CredentialFiles.locate(options.credentials(), user, options.device()));
        return session(client, options, credentials, in);
    }

    private int session(RccsClient client, CliOptions options, FileCredentialStore credentials, InputStream in) {
        String credential;
        try {
            credential = credentials.load().orElse(null);
        } catch (UncheckedIOException e) {
            err.println("rccs: " + e.getMessage() + ": " + e.getCause().getMessage());
            client.close();
            return 1;
        }
        Frame hello;
        try {
            hello = client.sendHello(RccsClient.helloPayload(options.device(), options.name(), options.kind(),
                    options.capabilities(), options.resumeLastSeq(), credential));
        } catch (RuntimeException e) {
            err.println("rccs: cannot send hello: " + e.getMessage());
            client.close();
            return 1;
        }
        CompletableFuture<Frame> answer = new CompletableFuture<>();
        // only tracks how far the inbox (messages, command.status, ...) got without a gap, so the user can --resume after it
        MessageSequencer seen = new MessageSequencer(options.resumeLastSeq(), MessageSequencer.DEFAULT_ACK_EVERY,
                MessageSequencer.DEFAULT_MAX_HELD);
        Greeting greeting = new Greeting(hello.id(), credentials, credential != null);
        PairingNotes notes = new PairingNotes(options.device(), ZoneId.systemDefault());
        Thread printer = new Thread(() -> printFrames(client, greeting, notes, answer, seen), "rccs-printer");
        printer.setDaemon(true);
        printer.start();

        CompletableFuture<Integer> exit = new CompletableFuture<>();
        client.closed().thenAccept(code -> {
            joinQuietly(printer, 3000); // print everything that arrived before the close
            String reason = client.closeReason();
            err.println("rccs: connection closed: " + code + (reason == null || reason.isEmpty() ? "" : " " + reason));
            if (seen.lastSeq() != null) {
                err.println("rccs: last seq " + seen.lastSeq() + " (--resume " + seen.lastSeq() + " continues after it)");
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

    /** The hello this session said, and where the credential it proves the device with is kept. */
    private record Greeting(String helloId, FileCredentialStore credentials, boolean credentialSent) {
    }

    /** Prints every frame in arrival order until the connection is closed and nothing is left. */
    private void printFrames(RccsClient client, Greeting greeting, PairingNotes notes, CompletableFuture<Frame> answer,
            MessageSequencer seen) {
        while (true) {
            Optional<Frame> next = client.poll(POLL);
            if (next.isPresent()) {
                Frame frame = next.get();
                boolean answersHello = greeting.helloId().equals(frame.corr());
                if (answersHello && frame.is(FrameType.WELCOME) && frame.payload().hasNonNull("credential")) {
                    // before anything else: the server shows a credential only once
                    frame = keepCredential(frame, greeting.credentials());
                }
                out.println(FrameCodec.encode(frame));
                if (answersHello && frame.is(FrameType.ERROR)) {
                    explainRefusedHello(frame, greeting);
                }
                notes.describe(frame, Instant.now()).ifPresent(note -> err.println("rccs: " + note));
                if (frame.seq() != null) {
                    seen.accept(frame); // every frame with a seq: they share the numbering
                }
                if (answersHello) {
                    answer.complete(frame);
                }
            } else if (client.closed().isDone() && client.pending().isEmpty()) {
                answer.completeExceptionally(new IllegalStateException("closed"));
                return;
            }
        }
    }

    /** Saves the credential in a welcome and returns the welcome without it, fit for a terminal. */
    private Frame keepCredential(Frame welcome, FileCredentialStore credentials) {
        String credential = welcome.payload().get("credential").asText();
        try {
            credentials.save(credential);
            err.println("rccs: this device is registered; its credential is in " + credentials.file()
                    + " (mode 0600): keep it, later hellos need it");
        } catch (RuntimeException e) {
            // without it this device id cannot connect again: the person must keep it somehow
            err.println("rccs: cannot save the credential in " + credentials.file() + ": " + e.getMessage());
            err.println("rccs: save it there yourself (one line, mode 0600), or this device id is lost: " + credential);
        }
        var payload = welcome.payload().deepCopy();
        payload.put("credential", "(saved)");
        return new Frame(welcome.v(), welcome.id(), welcome.type(), welcome.to(), welcome.from(), welcome.corr(),
                welcome.seq(), welcome.ts(), payload);
    }

    private void explainRefusedHello(Frame error, Greeting greeting) {
        ErrorPayload refusal;
        try {
            refusal = RccsClient.payload(error, ErrorPayload.class);
        } catch (IllegalArgumentException e) {
            return;
        }
        err.println("rccs: hello was refused (" + refusal.code() + "): " + refusal.message());
        if (!"forbidden".equals(refusal.code())) {
            return;
        }
        if (greeting.credentialSent()) {
            err.println("rccs: the credential in " + greeting.credentials().file() + " was not accepted; if the server"
                    + " no longer knows this device, delete that file to register it anew");
        } else {
            err.println("rccs: this device id is registered already and " + greeting.credentials().file()
                    + " holds no credential for it: use the file from where it was registered, or another --device");
        }
    }

    private void readInput(RccsClient client, InputStream in) {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                Optional<String> text;
                try {
                    text = LineCompleter.complete(line, RccsClient::newId);
                } catch (IllegalArgumentException e) {
                    err.println("rccs: " + e.getMessage());
                    continue;
                }
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
