package io.rccs.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rccs.model.protocol.FrameCodec;

/**
 * A WebSocket server just big enough to script a gateway in a test: it accepts upgrades, hands each
 * text message the client sends to the test as JSON, and sends what the test tells it to.
 * Understands unfragmented and fragmented text, ping and close; nothing else of RFC 6455.
 */
public final class FakeGateway implements AutoCloseable {

    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final ServerSocket server;
    private final BlockingQueue<Connection> connections = new LinkedBlockingQueue<>();

    public FakeGateway() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "fake-gateway-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public URI url() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/v1/connect");
    }

    /** The next connection a client opened, waiting up to {@code timeout}; null when none came. */
    public Connection nextConnection(Duration timeout) throws InterruptedException {
        return connections.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Connection connection = new Connection(socket);
                if (connection.handshake()) {
                    connections.add(connection);
                    connection.startReading();
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** One client connection, after the upgrade. */
    public static final class Connection {

        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;
        private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
        private volatile int closeCodeFromClient = -1;
        private volatile String authorization;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            this.out = socket.getOutputStream();
        }

        /** The next frame the client sent, as JSON; fails the test when none comes in time. */
        public JsonNode next(Duration timeout) throws InterruptedException {
            JsonNode frame = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("the client sent nothing within " + timeout);
            }
            return frame;
        }

        /** The next frame the client sent, or null when none comes in time. */
        public JsonNode poll(Duration timeout) throws InterruptedException {
            return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Sends a server frame with this id, type, corr (may be null) and payload. */
        public void send(String id, String type, String corr, ObjectNode payload) throws IOException {
            ObjectNode frame = FrameCodec.mapper().createObjectNode();
            frame.put("v", 1).put("id", id).put("type", type);
            if (corr != null) {
                frame.put("corr", corr);
            }
            frame.put("ts", System.currentTimeMillis());
            frame.set("payload", payload);
            write(0x1, frame.toString().getBytes(StandardCharsets.UTF_8));
        }

        /** Sends a complete server frame as it is (with {@code seq}, {@code from}, ...). */
        public void send(io.rccs.model.protocol.Frame frame) throws IOException {
            write(0x1, FrameCodec.encode(frame).getBytes(StandardCharsets.UTF_8));
        }

        /** Closes from the server's side with {@code code}. */
        public void close(int code) throws IOException {
            write(0x8, new byte[] {(byte) (code >> 8), (byte) code});
        }

        public int closeCodeFromClient() {
            return closeCodeFromClient;
        }

        /** The upgrade request's {@code Authorization} header, or null when it had none. */
        public String authorization() {
            return authorization;
        }

        private boolean handshake() throws IOException {
            String key = null;
            String line;
            while (!(line = readLine()).isEmpty()) {
                int colon = line.indexOf(':');
                String header = colon > 0 ? line.substring(0, colon).trim().toLowerCase(Locale.ROOT) : "";
                if (header.equals("sec-websocket-key")) {
                    key = line.substring(colon + 1).trim();
                } else if (header.equals("authorization")) {
                    authorization = line.substring(colon + 1).trim();
                }
            }
            if (key == null) {
                socket.close();
                return false;
            }
            String accept;
            try {
                accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                        .digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            synchronized (out) {
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            return true;
        }

        private String readLine() throws IOException {
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new EOFException();
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        private void startReading() {
            Thread reader = new Thread(() -> {
                try {
                    readFrames();
                } catch (IOException e) {
                    // the client went away
                } finally {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // closed either way
                    }
                }
            }, "fake-gateway-read");
            reader.setDaemon(true);
            reader.start();
        }

        private void readFrames() throws IOException {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (true) {
                int first = in.readUnsignedByte();
                int second = in.readUnsignedByte();
                boolean fin = (first & 0x80) != 0;
                int opcode = first & 0x0f;
                long length = second & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] mask = new byte[4];
                if ((second & 0x80) != 0) {
                    in.readFully(mask);
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i % 4];
                }
                switch (opcode) {
                    case 0x0, 0x1 -> {
                        message.write(payload);
                        if (fin) {
                            received.add(FrameCodec.mapper().readTree(message.toByteArray()));
                            message.reset();
                        }
                    }
                    case 0x8 -> {
                        closeCodeFromClient = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                        write(0x8, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
                        return;
                    }
                    case 0x9 -> write(0xA, payload);
                    default -> {
                        // pong and the rest: nothing to do
                    }
                }
            }
        }

        private void write(int opcode, byte[] payload) throws IOException {
            synchronized (out) {
                out.write(0x80 | opcode);
                if (payload.length < 126) {
                    out.write(payload.length);
                } else if (payload.length < 65_536) {
                    out.write(126);
                    out.write(payload.length >> 8);
                    out.write(payload.length);
                } else {
                    out.write(127);
                    for (int shift = 56; shift >= 0; shift -= 8) {
                        out.write((int) ((long) payload.length >> shift));
                    }
                }
                out.write(payload);
                out.flush();
            }
        }
    }
}
