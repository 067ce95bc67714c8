package io.rccs.client.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.rccs.model.protocol.payload.Hello;

/** The command line of {@link RccsCli}, parsed; {@link #parse} rejects what makes no sense. */
public record CliOptions(URI url, String token, String user, String password, String oidc, String clientId,
        String device, String name, String kind, List<String> capabilities, Long resumeLastSeq, Path credentials,
        boolean help) {

    public static final String DEFAULT_URL = "ws://127.0.0.1:8080/v1/connect";
    public static final String DEFAULT_OIDC = "http://127.0.0.1:8180/realms/rccs";
    public static final String DEFAULT_CLIENT_ID = "rccs-cli";
    public static final String DEFAULT_KIND = "desktop";

    public static final String USAGE = String.join("\n",
            "usage: java -jar rccs-client.jar --device ID [options]",
            "",
            "Connects one device to an RCCS gateway, sends hello, prints every frame it receives as one",
            "JSON line on stdout, and sends each JSON line read from stdin (a line without \"v\" gets v=1,",
            "without \"id\" a fresh id; a line that is not JSON is sent as is). On end of input it waits",
            "a second for answers and closes. The close code goes to stderr.",
            "",
            "The device's credential (issued in its first welcome, needed in every later hello) is kept",
            "in DIR/USER/DEVICE, readable only by you (mode 0600).",
            "",
            "  --url URL             gateway WebSocket URL (default " + DEFAULT_URL + ")",
            "  --token TOKEN         bearer access token (default: $RCCS_TOKEN)",
            "  --user USER           fetch a token with the password grant instead",
            "  --password PASSWORD   the user's password (default: $RCCS_PASSWORD)",
            "  --oidc ISSUER         OIDC issuer (default " + DEFAULT_OIDC + ")",
            "  --client-id ID        OIDC client (default " + DEFAULT_CLIENT_ID + ")",
            "  --device ID           this device's id (required)",
            "  --name NAME           display name (default: the device id)",
            "  --kind KIND           desktop|mobile|web|service (default " + DEFAULT_KIND + ")",
            "  --capabilities A,B    capabilities, comma-separated",
            "  --resume SEQ          ask for a replay of what came after this seq",
            "  --credentials DIR     where device credentials are kept (default ~/.rccs/credentials)",
            "  --help                this text",
            "",
            "commands (typed instead of a JSON line):",
            "  pair                  ask for a code that lets a new device in (this device must be trusted)",
            "  claim CODE            pair this pending device with a code (or its rccs://pair?code=... URI)",
            "  approve CLAIMID       let in the device that claimed a code (shown with its pair.request)",
            "  deny CLAIMID          turn it away",
            "",
            "example:",
            "  java -jar rccs-client/target/rccs-client.jar --user alice --password alice --device phone --kind mobile",
            "  {\"type\":\"devices.list\"}",
            "  {\"type\":\"message\",\"to\":\"laptop\",\"payload\":{\"text\":\"hi\"}}",
            "");

    /**
     * Parses {@code --name value} and {@code --name=value} options.
     *
     * @param env the environment, for $RCCS_TOKEN and $RCCS_PASSWORD
     * @throws IllegalArgumentException naming what is wrong
     */
    public static CliOptions parse(String[] args, Map<String, String> env) {
        String url = DEFAULT_URL;
        String token = null;
        String user = null;
        String password = null;
        String oidc = DEFAULT_OIDC;
        String clientId = DEFAULT_CLIENT_ID;
        String device = null;
        String name = null;
        String kind = DEFAULT_KIND;
        List<String> capabilities = List.of();
        Long resume = null;
        Path credentials = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return new CliOptions(URI.create(DEFAULT_URL), null, null, null, DEFAULT_OIDC, DEFAULT_CLIENT_ID,
                        null, null, DEFAULT_KIND, List.of(), null, CredentialFiles.defaultDirectory(), true);
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            String option = arg;
            String value;
            int equals = arg.indexOf('=');
            if (equals > 0) {
                option = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                value = args[++i];
            }
            switch (option) {
                case "--url" -> url = value;
                case "--token" -> token = value;
                case "--user" -> user = value;
                case "--password" -> password = value;
                case "--oidc" -> oidc = value;
                case "--client-id" -> clientId = value;
                case "--device" -> device = value;
                case "--name" -> name = value;
                case "--kind" -> kind = value;
                case "--capabilities" -> capabilities = Arrays.stream(value.split(","))
                        .map(String::trim).filter(c -> !c.isEmpty()).toList();
                case "--resume" -> {
                    try {
                        resume = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--resume needs a sequence number, not '" + value + "'");
                    }
                }
                case "--credentials" -> {
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("--credentials needs a directory");
                    }
                    credentials = Path.of(value);
                }
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (device == null || device.isBlank()) {
            throw new IllegalArgumentException("--device is required");
        }
        if (!Hello.KINDS.contains(kind)) {
            throw new IllegalArgumentException("--kind must be one of desktop, mobile, web, service");
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url is not a URL: " + url);
        }
        if (!"ws".equals(uri.getScheme()) && !"wss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("--url must be a ws:// or wss:// URL");
        }
        if (token != null && user != null) {
            throw new IllegalArgumentException("give either --token or --user, not both");
        }
        if (user != null && password == null) {
            password = env.get("RCCS_PASSWORD");
            if (password == null) {
                throw new IllegalArgumentException("--user needs --password (or $RCCS_PASSWORD)");
            }
        }
        if (token == null && user == null) {
            token = env.get("RCCS_TOKEN");
        }
        if (resume != null && resume < 0) {
            throw new IllegalArgumentException("--resume must be >= 0");
        }
        return new CliOptions(uri, token, user, password, oidc, clientId, device,
                name == null ? device : name, kind, capabilities, resume,
                credentials == null ? CredentialFiles.defaultDirectory() : credentials, false);
    }
}
