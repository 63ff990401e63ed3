package io.sluice.proxy.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * Sluice's command line ({@code io.sluice.proxy.Main}) in a process of its own, on the classpath this test runs with,
 * so the process tests need no packaged jar and run in {@code mvn verify} (which tests before it packages). What
 * the process prints (stdout and stderr) is collected line by line on a thread of its own; tests wait for lines.
 */
final class SluiceProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private SluiceProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::collect, "sluice-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code sluice <args>}. */
    static SluiceProcess start(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        // Surefire's classpath (or its manifest-only booter jar, whose Class-Path the JVM follows as well).
        command.add(System.getProperty("java.class.path"));
        command.add("io.sluice.proxy.Main");
        command.addAll(List.of(args));
        return new SluiceProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    private void collect() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            // The process ended and closed its output.
        }
    }

    /** Every line printed so far. */
    List<String> output() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The first group of the first line matching {@code pattern}, waiting for it up to {@code timeout}. */
    String awaitGroup(Pattern pattern, Duration timeout) {
        String[] found = new String[1];
        await().atMost(timeout).pollInterval(Duration.ofMillis(50))
                .failFast("the process exited; output: " + this, () -> !process.isAlive() && find(pattern) == null)
                .until(() -> (found[0] = find(pattern)) != null);
        return found[0];
    }

    /** Waits for a line containing {@code text}. */
    void awaitLine(String text, Duration timeout) {
        awaitGroup(Pattern.compile("(" + Pattern.quote(text) + ")"), timeout);
    }

    private String find(Pattern pattern) {
        for (String l : output()) {
            Matcher m = pattern.matcher(l);
            if (m.find()) {
                return m.groupCount() > 0 ? m.group(1) : m.group();
            }
        }
        return null;
    }

    long pid() {
        return process.pid();
    }

    /** Sends a signal by name ({@code TERM}, {@code HUP}) with kill(1), leaving the process's streams open. */
    void signal(String name) throws IOException, InterruptedException {
        int status = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
        if (status != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + status);
        }
    }

    /** Waits for the process to exit and for its output to be read; its exit status, or -1 if it did not exit. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return -1;
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        return process.exitValue();
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        // SIGTERM first: a demo stops its sandbox servers on it. Killed at once, it would leave three mariadbd
        // running after a failed test.
        process.destroy();
        try {
            if (process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }

    @Override
    public String toString() {
        return String.join("\n", output());
    }
}
