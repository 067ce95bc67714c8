package io.rccs.e2e;

import static io.rccs.client.FrameMatcher.corr;
import static io.rccs.client.FrameMatcher.from;
import static io.rccs.client.FrameMatcher.type;
import static io.rccs.e2e.Household.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import io.rccs.client.RccsClient;
import io.rccs.model.protocol.Frame;
import io.rccs.model.protocol.FrameCodec;
import io.rccs.model.protocol.payload.PairResult;
import io.rccs.model.protocol.payload.Welcome;

/**
 * Issue 9: a real browser is a device. Debian's headless chromium (driven through its own
 * chromedriver by Selenium; nothing is downloaded) loads a small page from a local HTTP server; the
 * page opens a WebSocket to gateway 0 carrying the token as a subprotocol (a browser cannot set
 * Authorization), says hello as a {@code web} device — the first of a fresh user, so trusted —
 * pairs a Java device connected to gateway 1 (pair.start and pair.approve from the page, pair.claim
 * from Java) and exchanges a message with it both ways.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String PAGE = "/browser/rccs-web-device.html";

    @Test
    void aBrowserPageConnectsWithTheTokenSubprotocolPairsAJavaDeviceOnTheOtherGatewayAndExchangesMessages() throws Exception {
        assertThat(CHROMIUM).as("Debian's chromium (apt-get install chromium chromium-driver)").isExecutable();
        assertThat(CHROMEDRIVER).as("Debian's chromedriver (apt-get install chromium-driver)").isExecutable();
        String browserDevice = "web-" + UUID.randomUUID().toString().substring(0, 8);
        String javaDevice = "java-" + UUID.randomUUID().toString().substring(0, 8);
        try (Household home = Household.fresh("browser"); PageServer server = PageServer.start(); Browser browser = Browser.start()) {
            browser.open(server.url() + "?gateway=" + encode(Stack.gateway(0).toString())
                    + "#token=" + encode(home.token()) + "&device=" + encode(browserDevice));

            JsonNode welcome = browser.await("the page's welcome", "return firstOf('welcome', null)");
            assertThat(browser.value("return rccs.protocol")).as("the subprotocol the gateway selected").isEqualTo("bearer-token-carrier");
            assertThat(welcome.path("payload").path("deviceId").asText()).isEqualTo(browserDevice);
            assertThat(welcome.path("payload").path("trusted").asBoolean()).as("the first device of a fresh user is trusted").isTrue();

            // a Java device on the other gateway is pending until the browser pairs it
            RccsClient desk = home.open(1);
            Welcome pending = home.connect(desk, javaDevice, "desktop", List.of("notify"));
            assertThat(pending.trusted()).isFalse();
            String start = (String) browser.run("return rccs.send('pair.start', null, {})");
            String code = browser.await("the pair.code", "return firstOf('pair.code', arguments[0])", start)
                    .path("payload").path("code").asText();
            desk.send("pair.claim", null, Map.of("code", code));
            JsonNode request = browser.await("the pair.request", "return firstOf('pair.request', null)").path("payload");
            assertThat(request.path("deviceId").asText()).isEqualTo(javaDevice);
            browser.run("return rccs.send('pair.approve', null, {claimId: arguments[0]})", request.path("claimId").asText());
            PairResult paired = RccsClient.payload(desk.await(type("pair.result"), WAIT), PairResult.class);
            assertThat(paired.approved()).as("the browser approved the Java device").isTrue();

            // Java -> browser, across the gateways
            desk.send("message", browserDevice, Map.of("text", "hello browser"));
            JsonNode inPage = browser.await("the Java device's message in the page",
                    "const m = rccs.frames.find(f => f.type === 'message' && f.from === arguments[0]);"
                            + " return m ? JSON.stringify(m) : null;", javaDevice);
            assertThat(inPage.path("payload").path("text").asText()).isEqualTo("hello browser");

            // browser -> Java
            String sent = (String) browser.run("return rccs.send('message', arguments[0], {text: 'hello desk'})", javaDevice);
            Frame atDesk = desk.await(type("message").and(from(browserDevice)), WAIT);
            assertThat(atDesk.payload().path("text").asText()).isEqualTo("hello desk");
            assertThat(atDesk.id()).as("the page's frame id").isEqualTo(sent);
            assertThat(browser.value("return JSON.stringify(rccs.received('error', null))")).as("errors the page got").isEqualTo("[]");
            assertThat(browser.value("return rccs.state")).isEqualTo("open");
            assertThat(desk.pending()).noneMatch(type("error").and(corr(sent)));
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Serves the test page from the test resources on 127.0.0.1, on a free port. */
    private static final class PageServer implements AutoCloseable {

        private final HttpServer server;

        private PageServer(HttpServer server) {
            this.server = server;
        }

        static PageServer start() throws IOException {
            byte[] page;
            try (InputStream in = BrowserIT.class.getResourceAsStream(PAGE)) {
                assertThat(in).as("the test page %s", PAGE).isNotNull();
                page = in.readAllBytes();
            }
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext(PAGE, exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, page.length);
                exchange.getResponseBody().write(page);
                exchange.close();
            });
            server.start();
            return new PageServer(server);
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + PAGE;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** Headless chromium with a profile of its own, and the page's state read through JavaScript. */
    private static final class Browser implements AutoCloseable {

        /** Added to every script: the first received frame of a type (answering an id, when given), as JSON. */
        private static final String HELPERS = "function firstOf(type, corr) {"
                + " const f = window.rccs ? rccs.received(type, corr) : [];"
                + " return f.length ? JSON.stringify(f[0]) : null; }\n";

        private final ChromeDriver driver;
        private final Path profile;

        private Browser(ChromeDriver driver, Path profile) {
            this.driver = driver;
            this.profile = profile;
        }

        static Browser start() throws IOException {
            // the system's driver and browser only: Selenium Manager must not fetch either
            System.setProperty("SE_OFFLINE", "true");
            System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
            Path profile = Files.createTempDirectory("rccs-chromium-");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort()
                    .build();
            try {
                ChromeDriver driver = new ChromeDriver(service, options);
                driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
                return new Browser(driver, profile);
            } catch (RuntimeException e) {
                service.stop();
                delete(profile);
                throw e;
            }
        }

        void open(String url) {
            driver.get(url);
        }

        Object run(String script, Object... args) {
            return ((JavascriptExecutor) driver).executeScript(HELPERS + script, args);
        }

        String value(String script, Object... args) {
            return String.valueOf(run(script, args));
        }

        /** Runs {@code script} (which returns JSON or null) until it returns JSON, for up to {@link Household#WAIT}. */
        JsonNode await(String what, String script, Object... args) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                Object json = run(script, args);
                if (json != null) {
                    try {
                        return FrameCodec.mapper().readTree((String) json);
                    } catch (JsonProcessingException e) {
                        throw new AssertionError("the page returned " + json, e);
                    }
                }
                Thread.sleep(100);
            }
            throw new AssertionError("no " + what + " in the page within " + WAIT + "; page state " + run(
                    "return window.rccs ? JSON.stringify({state: rccs.state, protocol: rccs.protocol, closeCode: rccs.closeCode,"
                            + " errors: rccs.errors, frames: rccs.frames}) : 'no rccs object'"));
        }

        @Override
        public void close() {
            try {
                driver.quit();
            } finally {
                delete(profile);
            }
        }

        private static void delete(Path directory) {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory: best effort
            }
        }
    }
}
